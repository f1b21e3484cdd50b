import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { PageCache } from '../../core/service/page-cache';

describe('the page cache of GET /v1/signals', () => {
  it('serializes a page once, until invalidated or past its time to live', async () => {
    let made = 0;
    const make = async () => ({ page: ++made });
    const cache = new PageCache(1024 * 1024, 20);
    expect(await cache.get('/a', make)).to.equal('{"page":1}');
    expect(await cache.get('/a', make)).to.equal('{"page":1}');
    expect(await cache.get('/b', make), 'another URL, another page').to.equal('{"page":2}');
    cache.invalidate();
    expect(await cache.get('/a', make)).to.equal('{"page":3}');
    await sleep(40);
    expect(await cache.get('/a', make), 'expired').to.equal('{"page":4}');
  });

  it('keeps nothing with maxBytes 0, and no page larger than the whole cache', async () => {
    let made = 0;
    const off = new PageCache(0, 1000);
    await off.get('/a', async () => ++made);
    await off.get('/a', async () => ++made);
    expect(made).to.equal(2);
    const small = new PageCache(10, 1000);
    const big = async () => ({ text: 'x'.repeat(100), n: ++made });
    await small.get('/big', big);
    await small.get('/big', big);
    expect(made).to.equal(4);
  });
});
