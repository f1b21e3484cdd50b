/** Weekdays (Monday to Friday) as YYYY-MM-DD dates: the calendar of generated and revealed bars (no holidays). */

const isWeekday = (day: Date) => day.getUTCDay() !== 0 && day.getUTCDay() !== 6;

/** The weekday `count` weekdays after `date` (1: the next one). */
export function weekdaysAfter(date: string, count = 1): string {
  const day = new Date(`${date}T00:00:00Z`);
  for (let left = count; left > 0; ) {
    day.setUTCDate(day.getUTCDate() + 1);
    if (isWeekday(day)) left--;
  }
  return day.toISOString().slice(0, 10);
}

/** The `count` weekdays ending on or before `endDate`, oldest first. */
export function weekdaysEndingAt(endDate: string, count: number): string[] {
  const dates: string[] = [];
  const day = new Date(`${endDate}T00:00:00Z`);
  while (dates.length < count) {
    if (isWeekday(day)) dates.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() - 1);
  }
  return dates.reverse();
}
