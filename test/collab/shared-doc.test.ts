// Shared document: versioned range edits, stale versions refused with what a rebase needs, concurrent editors converge.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import type { WsClient, WsMsg } from '../support/ws-client.ts'
import { SETUP_TIMEOUT, join, json, newSession, sock, startRoom, stopRoom, type Room } from './helpers.ts'

let r: Room
beforeAll(async () => {
  r = await startRoom()
}, SETUP_TIMEOUT)
afterEach(() => r.pool.closeAll())
afterAll(() => stopRoom(r))

type Edit = { start: number; end: number; text: string }
const apply = (text: string, edits: Edit[]) =>
  edits.reduce((t, e) => t.slice(0, e.start) + e.text + t.slice(e.end), text)

/** A client-side mirror: applies the broadcast code_change frames in version order, as an editor would. */
class Mirror {
  text = ''
  version = 0
  constructor(c: WsClient, initial: { text: string; version: number }) {
    this.text = initial.text
    this.version = initial.version
    for (const m of c.messages) this.take(m)
    const prev = c.onMessage
    c.onMessage = (m) => {
      prev?.(m)
      this.take(m)
    }
  }
  private take(m: WsMsg) {
    if (m.type !== 'code_change' || m.data.version !== this.version + 1) return
    this.text = apply(this.text, m.data.edits)
    this.version = m.data.version
  }
}

const doc = async (sid: string) =>
  json(await r.s.api(`/api/v1/claude/sessions/${sid}/document`, { token: r.u.alice.token }))
const change = (c: WsClient, sid: string, version: number, edits: Edit[], extra: Record<string, unknown> = {}) =>
  c.request({ type: 'code_change', session_id: sid, data: { version, edits, ...extra } })

describe('code_change', () => {
  test('applies edits in order, bumps the version, publishes durably with the user; viewers are refused', async () => {
    const sid = await newSession(r, { bob: 'collaborator', carol: 'viewer' })
    const [a, b, c] = [await sock(r, 'alice'), await sock(r, 'bob'), await sock(r, 'carol')]
    for (const x of [a, b, c]) await join(x, sid)
    const ok = await change(
      a,
      sid,
      0,
      [
        { start: 0, end: 0, text: 'hello world' },
        { start: 0, end: 5, text: 'HELLO' },
        { start: 11, end: 11, text: '!' },
      ],
      { language: 'text' },
    )
    expect(ok.type).toBe('success')
    expect(ok.data).toMatchObject({ action: 'code_change', session_id: sid, version: 1, length: 12 })
    const got = await b.next((m) => m.type === 'code_change')
    expect(got.seq).toBe(ok.data.seq)
    expect(got.data).toMatchObject({
      version: 1,
      base_version: 0,
      user_id: r.u.alice.id,
      username: 'alice',
      language: 'text',
    })
    expect(await doc(sid)).toMatchObject({
      version: 1,
      text: 'HELLO world!',
      language: 'text',
      updated_by: r.u.alice.id,
    })

    const refused = await change(c, sid, 1, [{ start: 0, end: 0, text: 'x' }])
    expect(refused.data.code).toBe('FORBIDDEN')
    const bad = await change(b, sid, 1, [
      { start: 0, end: 0, text: 'ok' },
      { start: 10, end: 99, text: 'x' },
    ])
    expect(bad.data.code).toBe('VALIDATION_FAILED')
    expect(bad.data.details).toMatchObject({ edit_index: 1, length: 14 })
    const reversed = await change(b, sid, 1, [{ start: 5, end: 2, text: '' }])
    expect(reversed.data.code).toBe('VALIDATION_FAILED')
    expect((await doc(sid)).version).toBe(1) // nothing of a refused message is applied
  })

  test('two clients edit the same version: one wins, the other gets STALE_VERSION, rebases and resubmits; all converge', async () => {
    const sid = await newSession(r, { bob: 'collaborator' })
    const [a, b] = [await sock(r, 'alice'), await sock(r, 'bob')]
    await join(a, sid)
    await join(b, sid)
    await change(a, sid, 0, [{ start: 0, end: 0, text: 'middle' }])
    await b.next((m) => m.type === 'code_change' && m.data.version === 1)

    const [ra, rb] = await Promise.all([
      change(a, sid, 1, [{ start: 0, end: 0, text: 'A:' }]),
      change(b, sid, 1, [{ start: 6, end: 6, text: ':B' }]),
    ])
    const [win, lose, loser, loserEdit] =
      ra.type === 'success' ? [ra, rb, b, { text: ':B' }] : [rb, ra, a, { text: 'A:' }]
    expect(win.data.version).toBe(2)
    expect(lose.type).toBe('error')
    expect(lose.data.code).toBe('STALE_VERSION')
    expect(lose.data.details.current_version).toBe(2)
    expect(lose.data.details.edits_since).toHaveLength(1)
    const base: string = lose.data.details.text
    // rebase: the loser re-anchors its insert against the text it was told about
    const at = loserEdit.text === ':B' ? base.length : 0
    const retry = await change(loser, sid, lose.data.details.current_version, [
      { start: at, end: at, text: loserEdit.text },
    ])
    expect(retry.data.version).toBe(3)
    expect((await doc(sid)).text).toBe('A:middle:B')
  })

  test('many concurrent edits from two editors converge to one text for both and for a late joiner', async () => {
    const sid = await newSession(r, { bob: 'collaborator', carol: 'viewer' })
    const [a, b] = [await sock(r, 'alice'), await sock(r, 'bob')]
    const ma = new Mirror(a, (await join(a, sid)).state.document)
    const mb = new Mirror(b, (await join(b, sid)).state.document)
    let stale = 0
    // each editor appends its tokens at the end, retrying on STALE_VERSION with the version and text it is given
    const run = async (c: WsClient, tag: string) => {
      let version = 0
      let length = 0
      for (let i = 0; i < 12; i++) {
        for (;;) {
          const res = await change(c, sid, version, [{ start: length, end: length, text: `${tag}${i};` }])
          if (res.type === 'success') {
            version = res.data.version
            length = res.data.length
            break
          }
          expect(res.data.code).toBe('STALE_VERSION')
          stale++
          version = res.data.details.current_version
          length = res.data.details.text.length
        }
      }
    }
    await Promise.all([run(a, 'a'), run(b, 'b')])
    const final = await doc(sid)
    expect(final.version).toBe(24)
    for (let i = 0; i < 12; i++) for (const t of ['a', 'b']) expect(final.text.split(';')).toContain(`${t}${i}`)
    expect(stale).toBeGreaterThan(0)
    await a.until(() => ma.version === 24 && mb.version === 24, 3000, 'mirrors to catch up')
    expect(ma.text).toBe(final.text)
    expect(mb.text).toBe(final.text)
    const late = (await join(await sock(r, 'carol'), sid)).state
    expect(late.document).toMatchObject({ version: 24, text: final.text })
  })

  test('a stale edit far behind gets the full text (edits_since only when complete); closed sessions are read-only', async () => {
    const sid = await newSession(r)
    const a = await sock(r, 'alice')
    for (let v = 0; v < 3; v++)
      expect((await change(a, sid, v, [{ start: 0, end: 0, text: String(v) }])).type).toBe('success')
    const behind = await change(a, sid, 1, [{ start: 0, end: 0, text: 'x' }])
    expect(behind.data.details).toMatchObject({ current_version: 3, text: '210' })
    expect(behind.data.details.edits_since.map((e: any) => e.version)).toEqual([2, 3])
    const ahead = await change(a, sid, 9, [{ start: 0, end: 0, text: 'x' }])
    expect(ahead.data.code).toBe('STALE_VERSION')
    expect(ahead.data.details.edits_since).toBeUndefined()

    expect((await r.s.api(`/api/v1/claude/sessions/${sid}`, { method: 'DELETE', token: r.u.alice.token })).status).toBe(
      200,
    )
    expect((await change(a, sid, 3, [{ start: 0, end: 0, text: 'x' }])).data.code).toBe('SESSION_CLOSED')
    expect((await doc(sid)).text).toBe('210')
  })
})

describe('code_change with editor (Monaco) ranges', () => {
  const at = (sl: number, sc: number, el: number, ec: number) => ({
    startLineNumber: sl,
    startColumn: sc,
    endLineNumber: el,
    endColumn: ec,
  })

  test('applies line/column changes to the current text without a version; the event carries them as ranges too', async () => {
    const sid = await newSession(r, { bob: 'collaborator' })
    const [a, b] = [await sock(r, 'alice'), await sock(r, 'bob')]
    for (const x of [a, b]) await join(x, sid)
    expect((await change(a, sid, 0, [{ start: 0, end: 0, text: 'one\ntwo\n' }])).type).toBe('success')
    const ok = await b.request({
      type: 'code_change',
      session_id: sid,
      data: {
        changes: [
          { range: at(2, 1, 2, 4), rangeLength: 3, text: 'TWO' },
          { range: at(3, 1, 3, 1), text: 'x' },
        ],
      },
    })
    expect(ok.data).toMatchObject({ version: 2, length: 9 })
    expect((await doc(sid)).text).toBe('one\nTWO\nx')
    const ev = await a.next((m) => m.type === 'code_change' && m.data.version === 2)
    expect(ev.data.edits).toEqual([
      { start: 4, end: 7, text: 'TWO' },
      { start: 8, end: 8, text: 'x' },
    ])
    expect(ev.data.changes).toEqual([
      { range: at(2, 1, 2, 4), rangeLength: 3, text: 'TWO' },
      { range: at(3, 1, 3, 1), rangeLength: 0, text: 'x' },
    ])

    const past = await b.request({
      type: 'code_change',
      session_id: sid,
      data: { changes: [{ range: at(9, 1, 9, 1), text: 'y' }] },
    })
    expect(past.data).toMatchObject({ code: 'VALIDATION_FAILED' })
    expect(past.data.message).toContain('line 9')
    const stale = await b.request({
      type: 'code_change',
      session_id: sid,
      data: { version: 1, changes: [{ range: at(1, 1, 1, 1), text: 'y' }] },
    })
    expect(stale.data.code).toBe('STALE_VERSION')
    const noVersion = await b.request({
      type: 'code_change',
      session_id: sid,
      data: { edits: [{ start: 0, end: 0, text: 'y' }] },
    })
    expect(noVersion.data.code).toBe('VALIDATION_FAILED')
    expect((await doc(sid)).text).toBe('one\nTWO\nx')
  })

  test("session_state has each present user's last cursor, forgotten when they leave", async () => {
    const sid = await newSession(r, { bob: 'collaborator' })
    const [a, b] = [await sock(r, 'alice'), await sock(r, 'bob')]
    for (const x of [a, b]) await join(x, sid)
    b.send({ type: 'cursor_update', session_id: sid, data: { position: { line: 2, column: 5 } } })
    await a.next((m) => m.type === 'cursor_update')
    const { state } = await join(await sock(r, 'alice'), sid)
    expect(state.cursor_positions).toEqual({ [r.u.bob.id]: { line: 2, column: 5 } })
    await b.request({ type: 'session_leave', session_id: sid })
    await a.next((m) => m.type === 'participant_left')
    const again = await join(await sock(r, 'alice'), sid)
    expect(again.state.cursor_positions).toEqual({})
  })
})
