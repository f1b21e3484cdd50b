import { expect } from 'chai';
import { CycleStats } from '../../core/engine/cycle-stats';
import { NYSE_HOLIDAYS } from '../../core/domain/nyse-holidays';
import { isArgoError } from '../../core/errors/errors';
import { LiveService } from '../../core/service/live-service';
import { TradingSession } from '../../core/service/trading-session';
import { createLogger } from '../../core/util/logger';

const nyse = new TradingSession({ calendar: 'nyse', holidays: NYSE_HOLIDAYS });

describe('the trading-session calendar', () => {
  it('opens the NYSE Mon-Fri 09:30-16:00 New York time, in winter and in summer time', () => {
    const cases: [string, boolean][] = [
      ['2026-12-01T14:29:59Z', false], // Tuesday 09:29:59 EST
      ['2026-12-01T14:30:00Z', true], // 09:30 EST
      ['2026-12-01T20:59:00Z', true], // 15:59 EST
      ['2026-12-01T21:00:00Z', false], // 16:00 EST
      ['2026-07-01T13:30:00Z', true], // Wednesday 09:30 EDT
      ['2026-07-01T13:29:00Z', false],
      ['2026-07-01T19:59:00Z', true], // 15:59 EDT
      ['2026-12-05T15:00:00Z', false], // Saturday
      ['2026-12-06T15:00:00Z', false], // Sunday
      ['2026-12-02T02:00:00Z', false], // Tuesday 21:00 in New York, already Wednesday in UTC
    ];
    for (const [at, open] of cases) expect(nyse.closedBecause(Date.parse(at)) === null, at).to.equal(open);
  });

  it('is closed on the configured holidays, by the New York date', () => {
    expect(nyse.closedBecause(Date.parse('2026-11-26T15:00:00Z'))).to.contain('2026-11-26').and.contain('service.session.holidays');
    expect(nyse.closedBecause(Date.parse('2027-07-05T15:00:00Z'))).to.contain('2027-07-05');
    const custom = new TradingSession({ calendar: 'nyse', holidays: ['2026-12-01'] });
    expect(custom.closedBecause(Date.parse('2026-12-01T15:00:00Z'))).to.not.equal(null);
    expect(custom.closedBecause(Date.parse('2026-11-26T15:00:00Z')), 'only the configured list counts').to.equal(null);
  });

  it('is always open for `always`', () => {
    const always = new TradingSession({ calendar: 'always', holidays: NYSE_HOLIDAYS });
    expect(always.closedBecause(Date.parse('2026-12-05T03:00:00Z'))).to.equal(null);
  });

  it('keeps the schedule from running cycles outside the session, on a clock the test controls', async () => {
    let now = Date.parse('2026-12-05T15:00:00Z'); // a Saturday
    let cycles = 0;
    const stats = new CycleStats();
    const run = { stats, cycle: async () => (cycles++, { results: [], stats: stats.report() }) };
    const service = new LiveService(run as never, {
      schedule: { every: '1h', cron: '', timezone: 'UTC' },
      session: nyse,
      historySize: 10,
      logger: createLogger('silent'),
      now: () => now,
    });
    service.slot();
    service.slot();
    expect(service.counters()).to.include({ closedSlots: 2, cycles: 0 });
    expect(() => service.cycleNow()).to.throw().that.satisfies((error: unknown) => isArgoError(error, 'ARGO_ERR_SERVICE_CLOSED'));
    now = Date.parse('2026-12-07T15:00:00Z'); // Monday 10:00 in New York
    service.slot();
    await service.stop(1000);
    expect(cycles).to.equal(1);
    expect(service.counters()).to.include({ closedSlots: 2, cycles: 1 });
    expect(service.history()[0].startedAt).to.equal('2026-12-07T15:00:00.000Z');
  });
});
