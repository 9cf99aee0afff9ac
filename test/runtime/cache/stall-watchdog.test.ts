/**
 * StallWatchdog, the deadline behind Redis's `OPTIONS.socket_timeout`: a verdict after `ms` of
 * silence while calls wait, never while replies keep coming, and never because this process
 * itself was too busy to read the replies.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { StallWatchdog } from '../../../src/runtime/cache/stall-watchdog.js';

const MS = 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('StallWatchdog', () => {
  it('declares a stall once calls waited ms without a reply, and calls that end settle it', async () => {
    let stalledAt = 0;
    const started = performance.now();
    const watchdog = new StallWatchdog(MS, () => {
      stalledAt = performance.now();
      watchdog.end(false); // what destroying the connection does to the waiting call
    });
    watchdog.begin();
    await watchdog.drained();
    expect(stalledAt - started).toBeGreaterThanOrEqual(MS - 2);
    expect(stalledAt - started).toBeLessThan(MS + 1_000);
  });

  it('never fires while the server keeps answering, however long the queue, nor when idle', async () => {
    let stalls = 0;
    const watchdog = new StallWatchdog(MS, () => stalls++);
    watchdog.begin(); // a call that waits behind the others the whole time
    const until = performance.now() + 4 * MS;
    while (performance.now() < until) {
      watchdog.begin();
      await sleep(MS / 5);
      watchdog.end(true);
    }
    watchdog.end(true);
    await sleep(3 * MS); // nothing waiting: no verdict
    expect(stalls).toBe(0);
  });

  it('does not count time this process spent blocked, when replies could not be read', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    const client = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    const serverSide = await accepted;
    let stalls = 0;
    const watchdog = new StallWatchdog(MS, () => stalls++);
    client.on('data', () => watchdog.end(true));
    // From the check phase, so the next phases are: timers (the overdue tick), then poll
    // (which reads the reply), as after any long synchronous task.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        watchdog.begin();
        serverSide.write('reply'); // answered at once, but this process is busy:
        const until = performance.now() + 3 * MS;
        while (performance.now() < until);
        resolve();
      }),
    );
    await watchdog.drained();
    expect(stalls).toBe(0);
    client.destroy();
    serverSide.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
});
