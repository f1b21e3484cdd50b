/** When the market a service follows is open: always (crypto), or NYSE's regular hours. */
export type SessionCalendar = 'always' | 'nyse';

/** The `service.session` settings. */
export interface SessionSettings {
  readonly calendar: SessionCalendar;
  /** YYYY-MM-DD dates (in New York) the exchange is closed all day. */
  readonly holidays: readonly string[];
}

const NEW_YORK = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  weekday: 'short',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

/** Regular NYSE hours in minutes after midnight, New York time: 09:30 until 16:00. */
const OPENS = 9 * 60 + 30;
const CLOSES = 16 * 60;

/** Answers whether a cycle may run at an instant. */
export class TradingSession {
  readonly #holidays: ReadonlySet<string>;

  constructor(readonly settings: SessionSettings) {
    this.#holidays = new Set(settings.holidays);
  }

  /** Why the session is closed at `at` (ms since the epoch), or null while it is open. */
  closedBecause(at: number): string | null {
    if (this.settings.calendar === 'always') return null;
    const parts = Object.fromEntries(NEW_YORK.formatToParts(new Date(at)).map((p) => [p.type, p.value]));
    const date = `${parts.year}-${parts.month}-${parts.day}`;
    if (parts.weekday === 'Sat' || parts.weekday === 'Sun') return `the NYSE is closed on weekends (${date} in New York)`;
    if (this.#holidays.has(date)) return `the NYSE is closed on ${date} (service.session.holidays)`;
    const minute = Number(parts.hour) * 60 + Number(parts.minute);
    if (minute < OPENS || minute >= CLOSES) return `the NYSE is open 09:30-16:00 New York time (it is ${parts.hour}:${parts.minute} there)`;
    return null;
  }
}
