// ChannelLog on its own: a store that fails for a moment does not leave a channel unable to emit.
import { afterEach, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryBus } from '../../src/bus/memory-bus.ts'
import { createLogger } from '../../src/core/logger.ts'
import { ChannelLog } from '../../src/modules/realtime/channel-log.ts'
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts'
import { StoreUnavailable } from '../../src/store/store.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

test("a failed read of a channel's head is not kept: the next emit on that channel reads it again and succeeds", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cchub-log-'))
  dirs.push(dir)
  const store = openSqliteStore(join(dir, 'cchub.db'))
  const head = store.events.channelHead.bind(store.events)
  let failures = 1
  store.events.channelHead = (channel) =>
    failures-- > 0 ? Promise.reject(new StoreUnavailable('database away')) : head(channel)
  const log = new ChannelLog(store, new MemoryBus(), createLogger('silent'))
  await expect(log.emit('session:a', 'note', { n: 1 })).rejects.toBeInstanceOf(StoreUnavailable)
  await log.drain().catch(() => {})
  expect(await log.emit('session:a', 'note', { n: 2 })).toBe(1)
  await log.drain()
  await store.close()
})
