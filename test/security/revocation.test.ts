// Revocation reaches every open stream: SSE ends on participant removal, logout, disable, expiry and password change.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { createTokenSigner } from '../../src/modules/auth/tokens.ts'
import { startEnv, stopEnv, waitFor, type Env } from '../execution/helpers.ts'
import { createSession, tryUpgrade, wsUrl } from '../realtime/helpers.ts'
import { startTestServer, type TestServer } from '../support/server.ts'

// A password change revokes older tokens; a demoted admin's socket loses admin rights; SSE counts against the caps.

setDefaultTimeout(20_000) // servers, argon2 logins and real sockets under a loaded machine

/** One SSE response read as it arrives: the events (data parsed), and `ended` once the server closes it. */
class Sse {
  readonly events: { event: string; json: any }[] = []
  readonly ended: Promise<void>
  isEnded = false
  private constructor(
    readonly res: Response,
    private readonly ac: AbortController,
  ) {
    this.ended = this.read()
    opened.push(this)
  }

  static async open(s: TestServer, token: string, channels: string[]): Promise<Sse> {
    const sse = await Sse.attempt(s, token, channels)
    expect(sse.res.status).toBe(200)
    return sse
  }

  /** The request, whatever its answer (a refused one has a JSON error body instead of a stream). */
  static async attempt(s: TestServer, token: string, channels: string[]): Promise<Sse> {
    const q = channels.map((c) => `channel=${encodeURIComponent(c)}`).join('&')
    const ac = new AbortController()
    const res = await fetch(`${s.url}/api/v1/events?${q}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: ac.signal,
    })
    return new Sse(res, ac)
  }

  /** The error of a refused request. */
  static async refused(s: TestServer, token: string, channels: string[]) {
    const res = (await Sse.attempt(s, token, channels)).res
    return { status: res.status, code: ((await res.json()) as { code: string }).code }
  }

  /** The first event of `type` (waiting for it), e.g. the last `closed` with the code a socket would get. */
  async next(type: string, what = type): Promise<any> {
    await waitFor(
      () => this.events.some((e) => e.event === type),
      5000,
      `SSE event ${what} (have ${this.events.map((e) => e.event)})`,
    )
    return this.events.find((e) => e.event === type)!.json
  }

  has(text: string): boolean {
    return this.events.some((e) => JSON.stringify(e.json).includes(text))
  }

  abort(): void {
    this.ac.abort()
  }

  private async read(): Promise<void> {
    if (this.res.status !== 200) return
    const dec = new TextDecoder()
    let buf = ''
    try {
      for await (const chunk of this.res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(chunk, { stream: true })
        for (let i; (i = buf.indexOf('\n\n')) >= 0; buf = buf.slice(i + 2)) {
          const lines = buf.slice(0, i).split('\n')
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7)
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6)
          if (event && data) this.events.push({ event, json: JSON.parse(data) })
        }
      }
    } catch {
      // aborted by the test
    }
    this.isEnded = true
  }
}

const opened: Sse[] = []
let e: Env
let n = 0
const user = (role: 'admin' | 'user' = 'user') => e.s.createUser(e.admin, `u${++n}`, role)
const emit = (channel: string, data: Record<string, unknown>) => e.s.services.log.emit(channel, 'log', data)
const status = async (res: Response) => ({
  status: res.status,
  code: res.status >= 400 ? ((await res.json()) as { code: string }).code : undefined,
})
const me = (token: string) => e.s.api('/api/v1/users/me', { token })

const PER_USER = 3
beforeAll(async () => {
  e = await startEnv({ cli: 'fake', config: { wsMaxConnectionsPerUser: PER_USER } })
})
afterEach(async () => {
  for (const s of opened.splice(0)) s.abort()
  await e.pool.closeAll()
})
afterAll(() => stopEnv(e))

describe('SSE streams end on the triggers that close sockets', () => {
  test("a removed participant's stream ends, and a later event reaches only the still-authorised reader", async () => {
    const bob = await user()
    const session = await createSession(e.s, e.adminId, e.workspaceId)
    const ch = `session:${session}`
    expect(
      (
        await e.s.api(`/api/v1/claude/sessions/${session}/participants`, {
          token: e.admin,
          body: { user_id: bob.id, role: 'viewer' },
        })
      ).status,
    ).toBe(201)
    const removed = await Sse.open(e.s, bob.token, [ch])
    const owner = await Sse.open(e.s, e.admin, [ch])
    await emit(ch, { text: 'before' })
    await removed.next('log', 'the event before the removal')
    expect(
      (await e.s.api(`/api/v1/claude/sessions/${session}/participants/${bob.id}`, { method: 'DELETE', token: e.admin }))
        .status,
    ).toBe(200)
    expect((await removed.next('unsubscribed')).channel).toBe(ch)
    expect((await removed.next('closed')).data).toEqual({ code: 1008, reason: 'access revoked' })
    await removed.ended
    await emit(ch, { text: 'TOP SECRET' })
    await waitFor(() => owner.has('TOP SECRET'), 5000, 'the later event at the owner')
    expect(removed.has('TOP SECRET')).toBe(false)
  })

  test('logout ends the streams of that token only', async () => {
    const carl = await user()
    const other = await e.s.login(`u${n}`, `u${n}-password`)
    const ch = `user:${carl.id}`
    const [a, b] = [await Sse.open(e.s, carl.token, [ch]), await Sse.open(e.s, other, [ch])]
    expect((await e.s.api('/api/v1/auth/logout', { token: carl.token, body: {} })).status).toBe(200)
    expect((await a.next('closed')).data).toEqual({ code: 4002, reason: 'token revoked' })
    await a.ended
    await emit(ch, { text: 'after logout' })
    await waitFor(() => b.has('after logout'), 5000, "the event on the other token's stream")
    expect(a.has('after logout')).toBe(false)
  })

  test('disabling a user ends their streams', async () => {
    const dora = await user()
    const sse = await Sse.open(e.s, dora.token, [`user:${dora.id}`])
    expect(
      (await e.s.api(`/api/v1/users/${dora.id}`, { method: 'PATCH', token: e.admin, body: { disabled: true } })).status,
    ).toBe(200)
    expect((await sse.next('closed')).data).toEqual({ code: 4003, reason: 'user disabled or deleted' })
    await sse.ended
  })

  test('a stream ends when its access token expires', async () => {
    const ed = await user()
    const token = await createTokenSigner(e.s.services.jwtSecret).sign({
      sub: ed.id,
      role: 'user',
      jti: crypto.randomUUID(),
      exp: Math.floor(Date.now() / 1000) + 2,
      typ: 'access',
    })
    const sse = await Sse.open(e.s, token, [`user:${ed.id}`])
    expect((await sse.next('closed')).data).toEqual({ code: 4004, reason: 'token expired' })
    await sse.ended
  })
})

describe('a password change revokes every token issued before it', () => {
  /** A user with a token pair, and a socket and an SSE stream opened with its access token. */
  async function signedIn() {
    const u = await user()
    const pair = (await (
      await e.s.api('/api/v1/auth/login', { body: { username: `u${n}`, password: `u${n}-password` } })
    ).json()) as { access_token: string; refresh_token: string }
    const ws = await e.pool.connect(wsUrl(e.s, pair.access_token))
    const sse = await Sse.open(e.s, pair.access_token, [`user:${u.id}`])
    return { ...u, name: `u${n}`, pair, ws, sse }
  }
  async function expectRevoked(u: Awaited<ReturnType<typeof signedIn>>) {
    expect((await u.ws.closed).code).toBe(4002)
    expect((await u.sse.next('closed')).data).toEqual({ code: 4002, reason: 'password changed' })
    await u.sse.ended
    expect(await status(await me(u.pair.access_token))).toEqual({ status: 401, code: 'TOKEN_REVOKED' })
    expect(await status(await me(u.token))).toEqual({ status: 401, code: 'TOKEN_REVOKED' })
    expect(
      await status(await e.s.api('/api/v1/auth/refresh', { body: { refresh_token: u.pair.refresh_token } })),
    ).toEqual({ status: 401, code: 'TOKEN_REVOKED' })
    await expectRefusedUpgrade(u.pair.access_token)
  }
  const expectRefusedUpgrade = async (token: string) =>
    expect((await tryUpgrade(e.s, `/ws?token=${token}`)).status).toBe(401)

  test('own change: old access and refresh tokens, sockets and streams die; the returned pair works', async () => {
    const u = await signedIn()
    const res = await e.s.api('/api/v1/users/me/password', {
      method: 'PUT',
      token: u.pair.access_token,
      body: { current_password: `${u.name}-password`, new_password: 'a-new-password' },
    })
    expect(res.status).toBe(200)
    const fresh = (await res.json()) as { ok: boolean; access_token: string; refresh_token: string }
    expect(fresh.ok).toBe(true)
    await expectRevoked(u)
    expect((await me(fresh.access_token)).status).toBe(200)
    expect((await e.s.api('/api/v1/auth/refresh', { body: { refresh_token: fresh.refresh_token } })).status).toBe(200)
    expect((await me(await e.s.login(u.name, 'a-new-password'))).status).toBe(200)
  })

  test("admin reset: the user's old tokens, sockets and streams die; the admin's do not; new logins work", async () => {
    const u = await signedIn()
    const adminSse = await Sse.open(e.s, e.admin, [`user:${e.adminId}`])
    expect(
      (
        await e.s.api(`/api/v1/users/${u.id}`, {
          method: 'PATCH',
          token: e.admin,
          body: { password: 'reset-password' },
        })
      ).status,
    ).toBe(200)
    await expectRevoked(u)
    expect((await me(e.admin)).status).toBe(200)
    expect(adminSse.isEnded).toBe(false)
    const fresh = await e.s.login(u.name, 'reset-password')
    expect((await me(fresh)).status).toBe(200)
    const ws = await e.pool.connect(wsUrl(e.s, fresh))
    expect((await ws.next((m) => m.type === 'connected')).data.authenticated).toBe(true)
  })
})

describe("a demoted admin's open socket", () => {
  test("can no longer execute or upload in another user's workspace", async () => {
    const eve = await user('admin')
    const ws = await e.pool.connect(wsUrl(e.s, eve.token))
    const upload = {
      type: 'upload_start',
      data: { filename: 'x.txt', size: 1, total_chunks: 1, workspace_id: e.workspaceId },
    }
    const asAdmin = await ws.request(upload)
    expect(asAdmin.type).toBe('success') // as an admin it may: the check below is about the demotion
    await ws.request({ type: 'upload_cancel', data: { file_id: asAdmin.data.file_id } })
    expect(
      (await e.s.api(`/api/v1/users/${eve.id}`, { method: 'PATCH', token: e.admin, body: { role: 'user' } })).status,
    ).toBe(200)
    const run = await ws.request({
      type: 'command',
      data: { action: 'execute', workspace_id: e.workspaceId, prompt: 'hi' },
    })
    expect(run.type).toBe('error')
    expect(['FORBIDDEN', 'NOT_FOUND']).toContain(run.data.code)
    const up = await ws.request(upload)
    expect(up.type).toBe('error')
    expect(['FORBIDDEN', 'NOT_FOUND']).toContain(up.data.code)
    expect(ws.isClosed).toBe(false)
  })

  test("whose user was disabled behind the signals' back gets an error for its next command and is closed", async () => {
    const fay = await user()
    const ws = await e.pool.connect(wsUrl(e.s, fay.token))
    await ws.next((m) => m.type === 'connected')
    // straight in the store: no signal fires, so only the per-message check can notice
    await e.s.services.store.users.update(fay.id, { disabled: true })
    const reply = await ws.request({ type: 'subscribe', channel: `user:${fay.id}` })
    expect(reply.data.code).toBe('USER_DISABLED')
    expect((await ws.closed).code).toBe(4003)
  })
})

describe('SSE streams count against the connection caps with WebSockets', () => {
  /** Opens a stream as soon as the server has a slot again (each refusal in between is a 429). */
  async function openWhenFree(s: TestServer, token: string, channels: string[]): Promise<void> {
    await waitFor(async () => (await Sse.attempt(s, token, channels)).res.status === 200, 5000, 'a free slot')
  }

  test(`per user (CCHUB_WS_MAX_CONNECTIONS_PER_USER=${PER_USER}): the next stream or socket is 429; closing either frees a slot`, async () => {
    const gus = await user()
    const ch = [`user:${gus.id}`]
    const sse = await Sse.open(e.s, gus.token, ch)
    const sockets = [await e.pool.connect(wsUrl(e.s, gus.token)), await e.pool.connect(wsUrl(e.s, gus.token))]
    expect(await Sse.refused(e.s, gus.token, ch)).toEqual({ status: 429, code: 'TOO_MANY_CONNECTIONS' })
    expect((await tryUpgrade(e.s, `/ws?token=${gus.token}`)).status).toBe(429)
    sse.abort()
    await openWhenFree(e.s, gus.token, ch)
    expect((await tryUpgrade(e.s, `/ws?token=${gus.token}`)).status).toBe(429)
    await sockets[0]!.close()
    await openWhenFree(e.s, gus.token, ch)
  })

  test('in total (CCHUB_WS_MAX_CONNECTIONS): streams and sockets together; the next is 503', async () => {
    const small = await startTestServer({ wsMaxConnections: 2 })
    try {
      const token = await small.login()
      const ch = ['broadcast']
      const sse = await Sse.open(small, token, ch)
      await e.pool.connect(wsUrl(small, token))
      expect(await Sse.refused(small, token, ch)).toEqual({ status: 503, code: 'TOO_MANY_CONNECTIONS' })
      expect((await tryUpgrade(small, `/ws?token=${token}`)).status).toBe(503)
      sse.abort()
      await openWhenFree(small, token, ch)
    } finally {
      for (const s of opened.splice(0)) s.abort()
      await e.pool.closeAll()
      await small.close()
    }
  })
})
