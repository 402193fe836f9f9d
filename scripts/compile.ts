#!/usr/bin/env bun
// Builds the single-file cchub binary with `bun build --compile`: dist/cchub here, dist/cchub-<target> for others.
//
// Usage: bun scripts/compile.ts --help
//
// A cross build needs the Bun runtime of the target platform. Bun fetches it itself from the npm
// registry (package @oven/bun-<os>-<arch>, cached in ~/.bun/install/cache); if that fails, this
// script fetches the same package with `npm pack` (which honours .npmrc registries and proxies) and
// hands its bin/bun to Bun as `executablePath`. With no registry at all, pass --executable-path.
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import pkg from '../package.json' with { type: 'json' }
import { buildWebAssets, embeddedModule } from '../src/modules/web/build.ts'

const ROOT = resolve(import.meta.dir, '..')
const DIST = join(ROOT, 'dist')
const ENTRY = join(ROOT, 'src', 'main.ts')
const RUNTIME_CACHE = join(ROOT, 'node_modules', '.cache', 'cchub-bun-runtimes')

interface Target {
  /** Bun's --target value. */
  bun: Bun.Build.CompileTarget
  /** npm package that carries this platform's Bun runtime. */
  npm: string
  /** Path of the runtime inside that package. */
  exe: string
  outfile: string
}

const TARGETS: Record<string, Target> = {
  'linux-x64': { bun: 'bun-linux-x64', npm: '@oven/bun-linux-x64', exe: 'bin/bun', outfile: 'cchub-linux-x64' },
  'linux-arm64': {
    bun: 'bun-linux-arm64',
    npm: '@oven/bun-linux-aarch64',
    exe: 'bin/bun',
    outfile: 'cchub-linux-arm64',
  },
  'darwin-arm64': {
    bun: 'bun-darwin-arm64',
    npm: '@oven/bun-darwin-aarch64',
    exe: 'bin/bun',
    outfile: 'cchub-darwin-arm64',
  },
  'darwin-x64': { bun: 'bun-darwin-x64', npm: '@oven/bun-darwin-x64', exe: 'bin/bun', outfile: 'cchub-darwin-x64' },
  'windows-x64': {
    bun: 'bun-windows-x64',
    npm: '@oven/bun-windows-x64',
    exe: 'bin/bun.exe',
    outfile: 'cchub-windows-x64.exe',
  },
}

const HELP = `Build the cchub single-file binary (cchub ${pkg.version}, Bun ${Bun.version}).

Usage: bun scripts/compile.ts [options]        (or: bun run compile [options], npm run compile -- [options])

  (no --target)                 dist/cchub for this machine
  --target <name>[,<name>...]   ${Object.keys(TARGETS).join(', ')}, or all
                                -> dist/cchub-<name> (dist/cchub-windows-x64.exe)
  --executable-path <file>      Bun ${Bun.version} runtime of the (single) target to build on, for offline cross builds
  --npm-runtime                 fetch cross-target runtimes with npm pack instead of Bun's own download
  --no-bytecode                 embed source only (bytecode makes start-up about twice as fast)
  -h, --help                    this help`

interface Options {
  targets: string[] | null
  executablePath?: string
  npmRuntime: boolean
  bytecode: boolean
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { targets: null, npmRuntime: false, bytecode: true }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined]
    const value = () => {
      const v = inline ?? argv[++i]
      if (!v) fail(`${flag} needs a value (see --help)`)
      return v
    }
    switch (flag) {
      case '-h':
      case '--help':
        console.log(HELP)
        return process.exit(0)
      case '--target':
      case '-t': {
        const names = value()
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
        for (const n of names) {
          const name = n.replace(/^bun-/, '')
          if (name === 'all') opts.targets = [...new Set([...(opts.targets ?? []), ...Object.keys(TARGETS)])]
          else if (TARGETS[name]) opts.targets = [...new Set([...(opts.targets ?? []), name])]
          else fail(`unknown target ${n}; choose from ${Object.keys(TARGETS).join(', ')}, all`)
        }
        break
      }
      case '--executable-path':
        opts.executablePath = resolve(value())
        break
      case '--npm-runtime':
        opts.npmRuntime = true
        break
      case '--no-bytecode':
        opts.bytecode = false
        break
      default:
        fail(`unknown option ${arg} (see --help)`)
    }
  }
  if (opts.executablePath) {
    if (opts.targets?.length !== 1) fail('--executable-path needs exactly one --target')
    if (!existsSync(opts.executablePath)) fail(`--executable-path ${opts.executablePath} does not exist`)
  }
  return opts
}

function fail(msg: string): never {
  console.error(`compile: ${msg}`)
  process.exit(2)
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

type BuildResult = { ok: true; file: string } | { ok: false; error: string }

/** The web app, built once per run and compiled into every binary in place of src/modules/web/assets.ts. */
let webModuleSource: Promise<string> | undefined
const webAssetsPlugin = (source: string): Bun.BunPlugin => ({
  name: 'cchub-web-assets',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]modules[\\/]web[\\/]assets\.ts$/ }, () => ({ contents: source, loader: 'ts' }))
  },
})

async function build(
  outfile: string,
  target?: Bun.Build.CompileTarget,
  executablePath?: string,
  bytecode = true,
): Promise<BuildResult> {
  let result: Bun.BuildOutput
  try {
    const web = await (webModuleSource ??= buildWebAssets().then(embeddedModule))
    result = await Bun.build({
      entrypoints: [ENTRY],
      plugins: [webAssetsPlugin(web)],
      compile: {
        outfile,
        ...(target ? { target } : {}),
        ...(executablePath ? { executablePath } : {}),
        // The binary must not pick up a bunfig.toml from wherever it is started; .env is still read, as `bun start`
        // does.
        autoloadBunfig: false,
      },
      minify: true,
      // Compressed and embedded in the binary, so stack traces point into src/.
      sourcemap: 'linked',
      bytecode,
      throw: false,
    })
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) }
  }
  if (!result.success)
    return { ok: false, error: result.logs.map((l) => String(l.message ?? l)).join('; ') || 'build failed' }
  // The sourcemap is embedded; drop the copy Bun also writes beside the binary.
  for (const o of result.outputs) if (o.kind === 'sourcemap') rmSync(o.path, { force: true })
  const exe = result.outputs.find((o) => o.kind === 'entry-point')?.path ?? outfile
  return { ok: true, file: exe }
}

/** `npm pack` the target's @oven/bun-* package (same version as this Bun) and return its runtime binary. */
async function runtimeFromNpm(t: Target): Promise<{ path?: string; error?: string }> {
  const spec = `${t.npm}@${Bun.version}`
  const dir = join(RUNTIME_CACHE, `${t.npm.replace('@oven/', '')}-${Bun.version}`)
  const exe = join(dir, 'package', t.exe)
  if (existsSync(exe)) return { path: exe }
  const npm = Bun.which('npm')
  if (!npm) return { error: `npm not found on PATH to fetch ${spec}` }
  mkdirSync(dir, { recursive: true })
  const pack = Bun.spawnSync(
    [npm, 'pack', spec, '--pack-destination', dir, '--prefer-offline', '--fetch-retries=1', '--loglevel=error'],
    { stdout: 'pipe', stderr: 'pipe' },
  )
  const tgz = pack.stdout.toString().trim().split('\n').pop()
  if (pack.exitCode !== 0 || !tgz) {
    rmSync(dir, { recursive: true, force: true })
    const lines = pack.stderr.toString().split('\n')
    const code = lines.find((l) => /^npm error code /.test(l))?.replace('npm error code ', '')
    const why =
      lines.find((l) => /^npm error (FetchError|\d{3} |404)/.test(l))?.replace('npm error ', '') ??
      lines.find((l) => l.startsWith('npm error') && !l.startsWith('npm error code '))
    return {
      error: `npm pack ${spec} failed: ${[code, why?.trim()].filter(Boolean).join(': ') || `exit code ${pack.exitCode}`}`,
    }
  }
  const untar = Bun.spawnSync(['tar', '-xzf', join(dir, tgz), '-C', dir, `package/${t.exe}`], {
    stdout: 'ignore',
    stderr: 'pipe',
  })
  rmSync(join(dir, tgz), { force: true })
  if (untar.exitCode !== 0 || !existsSync(exe))
    return { error: `could not extract ${t.exe} from ${tgz}: ${untar.stderr.toString().trim()}` }
  return { path: exe }
}

async function buildTarget(name: string, opts: Options): Promise<string | null> {
  const t = TARGETS[name]!
  const outfile = join(DIST, t.outfile)
  if (opts.executablePath) {
    const r = await build(outfile, t.bun, opts.executablePath, opts.bytecode)
    if (r.ok) return r.file
    console.error(`compile: cannot build ${name} with --executable-path ${opts.executablePath}: ${r.error}`)
    return null
  }
  let bunError = 'skipped (--npm-runtime)'
  if (!opts.npmRuntime) {
    const r = await build(outfile, t.bun, undefined, opts.bytecode)
    if (r.ok) return r.file
    bunError = r.error
    if (!/download|fetch|connect|network|timed? ?out|ENOTFOUND|EAI_AGAIN|unreachable/i.test(r.error)) {
      console.error(`compile: ${name} failed: ${r.error}`)
      return null
    }
  }
  const runtime = await runtimeFromNpm(t)
  if (runtime.path) {
    const r = await build(outfile, t.bun, runtime.path, opts.bytecode)
    if (r.ok) return r.file
    console.error(`compile: ${name} failed with the runtime from ${t.npm}@${Bun.version}: ${r.error}`)
    return null
  }
  console.error(
    `compile: cannot build ${name}: the Bun ${Bun.version} runtime for it (npm package ${t.npm}@${Bun.version}) could not be fetched ` +
      `(Bun: ${bunError}; ${runtime.error}). Cross builds need the npm registry, or --executable-path <bun binary for ${name}>.`,
  )
  return null
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  mkdirSync(DIST, { recursive: true })
  const jobs: { label: string; run: () => Promise<string | null> }[] = opts.targets
    ? opts.targets.map((name) => ({ label: name, run: () => buildTarget(name, opts) }))
    : [
        {
          label: `${process.platform}-${process.arch} (this machine)`,
          run: async () => {
            const r = await build(
              join(DIST, process.platform === 'win32' ? 'cchub.exe' : 'cchub'),
              undefined,
              undefined,
              opts.bytecode,
            )
            if (r.ok) return r.file
            console.error(`compile: build failed: ${r.error}`)
            return null
          },
        },
      ]
  let failed = 0
  for (const job of jobs) {
    const started = performance.now()
    const file = await job.run()
    if (!file) {
      failed++
      continue
    }
    const secs = ((performance.now() - started) / 1000).toFixed(1)
    console.log(
      `built ${relative(process.cwd(), file) || file}  ${mib(statSync(file).size)}  cchub ${pkg.version}, ${job.label}, ${secs}s`,
    )
  }
  if (failed) {
    console.error(`compile: ${failed} of ${jobs.length} build(s) failed`)
    process.exit(1)
  }
}

await main()
