// GET /api/v1/claude/sessions/:id/logs: session channel history, paged back by seq with limit/before/next_before.
import { afterEach, describe, expect, test } from 'bun:test'
import { execute, startEnv, stopEnv, waitFor, waitStatus, type Env } from './helpers.ts'

let e: Env | undefined
afterEach(async () => {
  await stopEnv(e)
  e = undefined
})

async function logs(sessionId: string, query = ''): Promise<any> {
  const res = await e!.s.api(`/api/v1/claude/sessions/${sessionId}/logs${query}`, { token: e!.admin })
  expect(res.status).toBe(200)
  return res.json()
}

describe('session logs', () => {
  test('two prompts → full history in seq order; pages of 4 walk backwards with next_before and add up to the whole', async () => {
    e = await startEnv({ cli: 'fake', env: { FAKE_CLAUDE_MODE: 'lines', FAKE_CLAUDE_LINES: '5' } })
    const first = await execute(e, { prompt: 'first prompt' })
    await waitStatus(e, first.execution_id, ['completed'], 10_000)
    const second = await execute(e, { prompt: 'second prompt', session_id: first.session_id })
    await waitStatus(e, second.execution_id, ['completed'], 10_000)
    // GET execution can show the final status before the channel log has flushed it: wait for it in the log
    const done = (l: any) =>
      l.type === 'status' && l.data.execution_id === second.execution_id && l.data.status === 'completed'
    await waitFor(
      async () => (await logs(first.session_id, '?limit=1000')).logs.some(done),
      5000,
      'the final status in the session log',
    )

    const all = await logs(first.session_id, '?limit=1000')
    expect(all.session_id).toBe(first.session_id)
    expect(all.count).toBe(all.logs.length)
    expect(all.next_before).toBeNull()
    const seqs = all.logs.map((l: any) => l.seq)
    expect(seqs).toEqual(seqs.map((_: number, i: number) => i + 1))
    for (const l of all.logs) expect(new Date(l.timestamp).toISOString()).toBe(l.timestamp)
    // what the session channel holds: attributed prompts, statuses, CLI events and coalesced streams, per execution in
    // order
    const prompts = all.logs.filter((l: any) => l.type === 'prompt')
    expect(prompts.map((l: any) => [l.data.prompt, l.data.username])).toEqual([
      ['first prompt', 'admin'],
      ['second prompt', 'admin'],
    ])
    const statuses = all.logs
      .filter((l: any) => l.type === 'status')
      .map((l: any) => `${l.data.execution_id === first.execution_id ? 1 : 2}:${l.data.status}`)
    expect(statuses).toEqual(['1:queued', '1:running', '1:completed', '2:queued', '2:running', '2:completed'])
    expect(all.logs.some((l: any) => l.type === 'event' && l.data.event.type === 'result')).toBe(true)
    const streamed = all.logs
      .filter((l: any) => l.type === 'stream')
      .map((l: any) => l.data.text)
      .join('')
    expect(streamed).toBe('tok0 tok1 tok2 tok3 tok4 '.repeat(2))

    // default limit (100) covers this short history
    expect((await logs(first.session_id)).count).toBe(all.count)

    // page backwards 4 at a time
    const pages: any[][] = []
    let before: number | null = undefined as unknown as null
    for (let i = 0; i < 100; i++) {
      const page = await logs(first.session_id, `?limit=4${before ? `&before=${before}` : ''}`)
      expect(page.count).toBe(page.logs.length)
      expect(page.count).toBeLessThanOrEqual(4)
      if (page.count) pages.push(page.logs)
      const ps = page.logs.map((l: any) => l.seq)
      expect(ps).toEqual([...ps].sort((a: number, b: number) => a - b))
      if (before) for (const s of ps) expect(s).toBeLessThan(before)
      if (page.next_before === null) break
      expect(page.next_before).toBe(ps[0])
      before = page.next_before
    }
    expect(pages[0]!.map((l: any) => l.seq)).toEqual(seqs.slice(-4))
    expect(pages.reverse().flat()).toEqual(all.logs)

    // before=N returns what lies below N only
    const tail = await logs(first.session_id, '?limit=2&before=3')
    expect(tail.logs.map((l: any) => l.seq)).toEqual([1, 2])

    // bad parameters are refused with the error shape
    for (const q of ['?limit=0', '?limit=1001', '?before=0', '?limit=abc']) {
      const res = await e.s.api(`/api/v1/claude/sessions/${first.session_id}/logs${q}`, { token: e.admin })
      expect({ q, status: res.status }).toEqual({ q, status: 422 })
    }
    expect((await e.s.api('/api/v1/claude/sessions/nope/logs', { token: e.admin })).status).toBe(404)
  }, 30_000)
})
