#!/usr/bin/env bun
// Tries a compiled cchub binary the way a new user would, copied alone into an empty directory, from --help to exit.
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import pkg from '../package.json' with { type: 'json' }
import { configKeys, settingMeta } from '../src/config/schema.ts'
import { reply as mockReply, startMockAnthropic, type MockAnthropic } from '../test/support/mock-anthropic.ts'

// --help, --version, first start (data dir, secret, printed admin password), log in, create a workspace, run a prompt
// through the real Claude CLI against a local mock Messages API and watch it stream, the Swagger UI and its assets
// served locally, then SIGTERM and a clean exit.
// Usage: bun scripts/smoke-binary.ts [dist/cchub] [--keep] [--runner "qemu-aarch64-static -L /usr/aarch64-linux-gnu"]

const args = process.argv.slice(2)
const keep = args.includes('--keep')
const runnerAt = args.indexOf('--runner')
/** Words put before the binary, e.g. an emulator for a cross-compiled one. */
const runner = runnerAt >= 0 ? (args[runnerAt + 1] ?? '').split(/\s+/).filter(Boolean) : []
const binary = resolve(args.find((a, i) => !a.startsWith('--') && (runnerAt < 0 || i !== runnerAt + 1)) ?? 'dist/cchub')

let child: Bun.Subprocess<'ignore', 'pipe', 'pipe'> | undefined
let mock: MockAnthropic | undefined
let dir: string | undefined
let step = 'setup'
let stderrText = ''
let stdoutText = ''

class SmokeFailure extends Error {}
function check(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new SmokeFailure(msg)
}
const ok = (msg: string) => console.log(`  ok  ${msg}`)

/** Child environment: the caller's, minus any CCHUB_* setting, so the binary runs on its defaults. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('CCHUB_')) env[k] = v
  return env
}

function run(cmd: string[]): { code: number; stdout: string; stderr: string } {
  const r = Bun.spawnSync(cmd, { cwd: dir, env: cleanEnv(), stdout: 'pipe', stderr: 'pipe', timeout: 30_000 })
  return { code: r.exitCode ?? -1, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

async function pump(stream: ReadableStream<Uint8Array>, onText: (s: string) => void) {
  const decoder = new TextDecoder()
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    onText(decoder.decode(value, { stream: true }))
  }
}

async function waitFor<T>(what: string, ms: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (child && child.exitCode !== null)
      throw new SmokeFailure(`${what}: the server exited with code ${child.exitCode}`)
    if (Date.now() > deadline) throw new SmokeFailure(`${what}: nothing after ${ms} ms`)
    await Bun.sleep(25)
  }
}

/** Generous: a loaded machine can take many seconds to start node for the CLI's first --version. */
const CLI_PROBE_MS = 60_000

/**
 * The Claude CLI the binary will find on PATH, with its version; null when none is installed. A CLI that is there but
 * does not answer --version within CLI_PROBE_MS is a failure, never a reason to skip the execution check.
 */
async function findCli(): Promise<{ path: string; version: string } | null> {
  const path = Bun.which('claude', { PATH: cleanEnv().PATH ?? '' })
  if (!path) return null
  const proc = Bun.spawn([path, '--version'], {
    env: cleanEnv(),
    stdout: 'pipe',
    stderr: 'pipe',
    stdin: 'ignore',
    timeout: CLI_PROBE_MS,
  })
  const [code, out] = await Promise.all([proc.exited, new Response(proc.stdout).text()])
  check(
    code === 0 && out.trim(),
    `${path} --version ${proc.signalCode ? `did not answer within ${CLI_PROBE_MS / 1000} s` : `exited with ${code}`}`,
  )
  return { path, version: out.trim() }
}

async function main() {
  step = 'binary'
  check(existsSync(binary), `${binary} does not exist (build it with: bun run compile)`)
  dir = mkdtempSync(join(tmpdir(), 'cchub-smoke-'))
  const exe = join(dir, basename(binary))
  copyFileSync(binary, exe)
  chmodSync(exe, 0o755)
  console.log(`smoke: ${binary} (${(statSync(binary).size / 1024 / 1024).toFixed(1)} MiB) copied alone to ${dir}`)

  step = '--help'
  const help = run([...runner, exe, '--help'])
  check(help.code === 0, `--help exited with ${help.code}: ${help.stderr}`)
  const missing = configKeys
    .flatMap((k) => [settingMeta(k).flag, settingMeta(k).env])
    .filter((s) => !help.stdout.includes(s))
  check(missing.length === 0, `--help does not list ${missing.join(', ')}`)
  ok(`./${basename(exe)} --help lists all ${configKeys.length} settings`)

  step = '--version'
  const version = run([...runner, exe, '--version'])
  check(
    version.code === 0 && version.stdout.trim() === `cchub ${pkg.version}`,
    `--version printed ${JSON.stringify(version.stdout.trim())}, want "cchub ${pkg.version}"`,
  )
  ok(`--version prints "cchub ${pkg.version}"`)

  step = 'bad option'
  const bad = run([...runner, exe, '--port', 'eighty'])
  check(
    bad.code !== 0 && /CCHUB|--port/.test(bad.stderr) && bad.stderr.trim().split('\n').length === 1,
    `a bad --port should stop with one clear line, got code ${bad.code}: ${bad.stderr}`,
  )
  ok(`a bad value stops with one line: ${bad.stderr.trim()}`)

  step = 'claude cli'
  const cli = await findCli()
  if (cli) ok(`Claude CLI ${cli.path} answers --version: ${cli.version}`)
  else if (process.env.CI === 'true')
    throw new SmokeFailure('no Claude CLI on PATH: with CI=true the execution check must run')

  step = 'start'
  mock = await startMockAnthropic()
  const claudeEnv = {
    ANTHROPIC_BASE_URL: mock.url,
    ANTHROPIC_API_KEY: 'smoke-test',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    CLAUDE_CODE_MAX_RETRIES: '0',
    HOME: join(dir, 'home'),
  }
  mkdirSync(claudeEnv.HOME, { recursive: true })
  const started = performance.now()
  child = Bun.spawn([...runner, exe, '--port', '0'], {
    cwd: dir,
    env: { ...cleanEnv(), ...claudeEnv },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  void pump(child.stdout, (s) => (stdoutText += s))
  void pump(child.stderr, (s) => (stderrText += s))
  const url = await waitFor(
    'waiting for the "ready on" line',
    15_000,
    () => /ready on (http:\/\/\S+)/.exec(stderrText)?.[1],
  )
  await waitFor('GET /health', 10_000, async () =>
    (await fetch(`${url}/health`).catch(() => null))?.status === 200 ? true : undefined,
  )
  const startupMs = performance.now() - started
  const health = (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>
  check(
    health.status === 'ok' && health.version === pkg.version && health.db === 'ok',
    `/health answered ${JSON.stringify(health)}`,
  )
  ok(`started on ${url}; /health ok after ${startupMs.toFixed(0)} ms: ${JSON.stringify(health)}`)

  step = 'data directory'
  const data = join(dir, 'cchub-data')
  for (const f of ['cchub.db', 'jwt-secret', 'workspaces'])
    check(existsSync(join(data, f)), `${join('cchub-data', f)} was not created`)
  const secretMode = statSync(join(data, 'jwt-secret')).mode & 0o777
  check(
    process.platform === 'win32' || secretMode === 0o600,
    `cchub-data/jwt-secret has mode ${secretMode.toString(8)}, want 600`,
  )
  ok('created cchub-data/ with cchub.db, jwt-secret (0600) and workspaces/')

  step = 'admin password'
  const passwords = [...stderrText.matchAll(/password: (\S+)/g)].map((m) => m[1]!)
  check(
    passwords.length === 1,
    `expected the generated admin password once on stderr, found it ${passwords.length} times:\n${stderrText}`,
  )
  const password = passwords[0]!
  ok('printed the generated admin password once on stderr')

  step = 'login'
  const login = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  })
  const tokens = (await login.json()) as { access_token?: string; token_type?: string; expires_in?: number }
  check(
    login.status === 200 && tokens.access_token && tokens.token_type === 'Bearer',
    `login answered ${login.status}: ${JSON.stringify(tokens)}`,
  )
  ok(`POST /api/v1/auth/login -> 200, Bearer token, expires_in ${tokens.expires_in}`)
  const auth = { authorization: `Bearer ${tokens.access_token}`, 'content-type': 'application/json' }

  step = 'auth required'
  const anon = await fetch(`${url}/api/v1/workspaces`)
  const anonBody = (await anon.json()) as { code?: string; trace_id?: string }
  check(
    anon.status === 401 && anonBody.code === 'UNAUTHORIZED' && anonBody.trace_id === anon.headers.get('x-request-id'),
    `GET /api/v1/workspaces without a token answered ${anon.status}: ${JSON.stringify(anonBody)}`,
  )
  ok('GET /api/v1/workspaces without a token -> 401 UNAUTHORIZED, trace_id = X-Request-Id')

  step = 'workspace'
  const created = await fetch(`${url}/api/v1/workspaces`, {
    method: 'POST',
    headers: auth,
    body: JSON.stringify({ name: 'smoke' }),
  })
  const ws = (await created.json()) as { id?: string; name?: string; path?: string }
  check(
    created.status === 201 || created.status === 200,
    `POST /api/v1/workspaces answered ${created.status}: ${JSON.stringify(ws)}`,
  )
  check(ws.id && ws.name === 'smoke', `workspace answer lacks id/name: ${JSON.stringify(ws)}`)
  if (ws.path)
    check(
      existsSync(ws.path) && resolve(ws.path).startsWith(resolve(data)),
      `workspace path ${ws.path} is not an existing directory under cchub-data`,
    )
  const listed = (await (await fetch(`${url}/api/v1/workspaces`, { headers: auth })).json()) as unknown
  check(
    JSON.stringify(listed).includes(ws.id),
    `GET /api/v1/workspaces does not list the new workspace: ${JSON.stringify(listed)}`,
  )
  ok(`POST /api/v1/workspaces -> ${created.status}, ${ws.path ? `directory ${ws.path}` : `id ${ws.id}`}`)

  step = 'execute'
  if (cli) {
    check(
      health.claude,
      `${cli.path} answers --version, yet the server found no Claude CLI (its start-up probe failed or timed out)`,
    )
    const reply = 'Hello from the smoke test'
    mock.enqueue(mockReply.text(reply, { chunks: 5 }))
    const exec = await fetch(`${url}/api/v1/claude/execute`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ workspace_id: ws.id, prompt: 'say hello' }),
    })
    const started202 = (await exec.json()) as { execution_id: string; websocket_url: string }
    check(
      exec.status === 202 && started202.websocket_url,
      `POST /api/v1/claude/execute answered ${exec.status}: ${JSON.stringify(started202)}`,
    )
    const frames: { type: string; data: { status?: string; text?: string } }[] = []
    const sock = new WebSocket(`${url.replace(/^http/, 'ws')}${started202.websocket_url}?token=${tokens.access_token}`)
    sock.onmessage = (e) => frames.push(JSON.parse(String(e.data)))
    const final = await waitFor(
      'the execution to finish',
      60_000,
      () =>
        frames.find((f) => f.type === 'status' && !['queued', 'running'].includes(f.data.status ?? ''))?.data.status,
    )
    sock.close()
    const streamed = frames
      .filter((f) => f.type === 'stream')
      .map((f) => f.data.text)
      .join('')
    check(
      final === 'completed',
      `execution ended ${final}: ${JSON.stringify(frames.filter((f) => f.type === 'status').at(-1))}`,
    )
    check(streamed === reply, `streamed text ${JSON.stringify(streamed)} is not the model's reply`)
    ok(
      `POST /api/v1/claude/execute -> 202; ${started202.websocket_url} streamed ${frames.length} frames, the reply and status completed (real CLI, mock API)`,
    )
  } else {
    ok('no Claude CLI installed: execution check skipped (a failure when CI=true)')
  }

  step = 'swagger'
  const page = await fetch(`${url}/swagger`)
  const html = await page.text()
  check(
    page.status === 200 && /text\/html/.test(page.headers.get('content-type') ?? ''),
    `/swagger answered ${page.status} ${page.headers.get('content-type')}`,
  )
  const external = [...html.matchAll(/(?:src|href)=["'](https?:)?\/\/[^"']+/g)].map((m) => m[0])
  check(external.length === 0, `/swagger loads from other hosts: ${external.join(', ')}`)
  for (const [asset, type, min] of [
    ['swagger-ui-bundle.js', 'javascript', 500_000],
    ['swagger-ui.css', 'css', 50_000],
  ] as const) {
    check(html.includes(`/swagger/assets/${asset}`), `/swagger does not reference /swagger/assets/${asset}`)
    const r = await fetch(`${url}/swagger/assets/${asset}`)
    const body = await r.arrayBuffer()
    check(
      r.status === 200 && (r.headers.get('content-type') ?? '').includes(type) && body.byteLength > min,
      `/swagger/assets/${asset} answered ${r.status} ${r.headers.get('content-type')} ${body.byteLength} bytes`,
    )
    ok(
      `GET /swagger/assets/${asset} -> 200 ${r.headers.get('content-type')}, ${(body.byteLength / 1024).toFixed(0)} KiB (embedded)`,
    )
  }
  const specRes = await fetch(`${url}/swagger/json`)
  const spec = (await specRes.json()) as {
    openapi?: string
    info?: { version?: string }
    paths?: Record<string, unknown>
  }
  check(
    specRes.status === 200 && spec.openapi?.startsWith('3') && spec.info?.version === pkg.version,
    `/swagger/json answered ${specRes.status}: openapi=${spec.openapi} version=${spec.info?.version}`,
  )
  for (const p of ['/api/v1/auth/login', '/api/v1/workspaces', '/health'])
    check(spec.paths?.[p], `/swagger/json has no ${p}`)
  ok(
    `GET /swagger -> 200 HTML with local assets only; /swagger/json -> OpenAPI ${spec.openapi}, ${Object.keys(spec.paths ?? {}).length} paths`,
  )

  step = 'web app'
  const app = await fetch(`${url}/`)
  const appHtml = await app.text()
  check(
    app.status === 200 &&
      /text\/html/.test(app.headers.get('content-type') ?? '') &&
      (app.headers.get('content-security-policy') ?? '').includes("script-src 'self'"),
    `/ answered ${app.status} ${app.headers.get('content-type')} without the CSP`,
  )
  const appAssets = [...appHtml.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!)
  check(
    appAssets.some((a) => a.endsWith('.js')) && appAssets.some((a) => a.endsWith('.css')),
    `/ references no script or stylesheet: ${appHtml.slice(0, 300)}`,
  )
  for (const asset of appAssets) {
    const r = await fetch(url + asset)
    const body = await r.arrayBuffer()
    check(r.status === 200 && body.byteLength > 1000, `${asset} answered ${r.status} with ${body.byteLength} bytes`)
  }
  ok(`GET / -> 200 the web app with CSP; ${appAssets.length} embedded assets served`)

  step = 'logs'
  check(stdoutText.includes('"msg":"request"'), `no request log lines on stdout:\n${stdoutText}`)
  check(
    !stdoutText.includes(password) && !stdoutText.includes(tokens.access_token),
    'the admin password or an access token appears in the logs',
  )
  ok('JSON request logs on stdout, no password or token in them')

  step = 'SIGTERM'
  const stopping = performance.now()
  child.kill('SIGTERM')
  const code = await Promise.race([child.exited, Bun.sleep(15_000).then(() => 'timeout' as const)])
  check(code === 0, code === 'timeout' ? 'still running 15 s after SIGTERM' : `exited with code ${code} after SIGTERM`)
  check(stdoutText.includes('"msg":"stopped"'), 'no "stopped" log line after SIGTERM')
  ok(`SIGTERM -> exit code 0 after ${(performance.now() - stopping).toFixed(0)} ms`)
  child = undefined

  step = 'restart'
  const again = Bun.spawn([...runner, exe, '--port', '0'], {
    cwd: dir,
    env: cleanEnv(),
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  child = again
  stderrText = ''
  stdoutText = ''
  void pump(again.stdout, (s) => (stdoutText += s))
  void pump(again.stderr, (s) => (stderrText += s))
  const url2 = await waitFor(
    'waiting for "ready on" after a restart',
    15_000,
    () => /ready on (http:\/\/\S+)/.exec(stderrText)?.[1],
  )
  check(!/password: /.test(stderrText), 'the admin password was printed again on the second start')
  const relogin = await fetch(`${url2}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  })
  const relist = await fetch(`${url2}/api/v1/workspaces`, {
    headers: { authorization: `Bearer ${((await relogin.json()) as { access_token: string }).access_token}` },
  })
  check(
    relogin.status === 200 && (await relist.text()).includes(ws.id),
    'after a restart the same password or the workspace is gone',
  )
  again.kill('SIGINT')
  check((await again.exited) === 0, 'SIGINT did not exit with code 0')
  child = undefined
  ok('restart keeps the admin and the workspace, prints no password, SIGINT -> exit 0')

  console.log(`smoke: PASS (${binary}, start-up to /health ${startupMs.toFixed(0)} ms)`)
}

let failed = false
try {
  await main()
} catch (err) {
  failed = true
  console.error(
    `smoke: FAIL at ${step}: ${err instanceof SmokeFailure ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
  )
  if (stderrText) console.error(`--- server stderr ---\n${stderrText.trimEnd()}`)
  if (stdoutText)
    console.error(`--- server stdout (last 20 lines) ---\n${stdoutText.trimEnd().split('\n').slice(-20).join('\n')}`)
} finally {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL')
    await child.exited
  }
  await mock?.stop()
  if (dir && !keep) rmSync(dir, { recursive: true, force: true })
  else if (dir) console.log(`smoke: kept ${dir}`)
}
process.exit(failed ? 1 : 0)
