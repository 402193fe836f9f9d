// Bundles the browser app in web/ with Bun's bundler into an in-memory asset set (hashed names, split lazy chunks).
import { join, resolve } from 'node:path'

export const WEB_DIR = resolve(import.meta.dir, '../../../web')
const ENTRY = join(WEB_DIR, 'main.tsx')

export interface WebAsset {
  type: string
  body: Uint8Array<ArrayBuffer>
}

export interface WebAssets {
  /** Every built file by name (`main-<hash>.js`, `chunk-<hash>.js`, `main-<hash>.css`, …), served under /assets/. */
  files: Record<string, WebAsset>
  /** The entry script. */
  entry: string
  /** Scripts the entry imports statically: loaded up front, so they count against the bundle budget. */
  preload: string[]
  styles: string[]
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  woff2: 'font/woff2',
}

export function contentType(name: string): string {
  return TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream'
}

/**
 * Builds web/ (minified, content-hashed, code-split so markdown and diff load on demand); throws with the bundler's
 * messages.
 */
export async function buildWebAssets(): Promise<WebAssets> {
  const result = await Bun.build({
    entrypoints: [ENTRY],
    target: 'browser',
    format: 'esm',
    splitting: true,
    minify: true,
    publicPath: '/assets/',
    naming: { entry: '[name]-[hash].[ext]', chunk: 'chunk-[hash].[ext]', asset: '[name]-[hash].[ext]' },
    define: { 'process.env.NODE_ENV': '"production"' },
    throw: false,
  })
  if (!result.success) throw new Error(`web build failed: ${result.logs.map((l) => String(l.message ?? l)).join('; ')}`)
  const files: Record<string, WebAsset> = {}
  let entry = ''
  for (const out of result.outputs) {
    const name = out.path.replace(/^.*\//, '')
    files[name] = { type: contentType(name), body: new Uint8Array(await out.arrayBuffer()) }
    if (out.kind === 'entry-point' && name.endsWith('.js')) entry = name
  }
  if (!entry) throw new Error('web build produced no entry script')
  const names = Object.keys(files)
  return { files, entry, preload: staticImports(files, entry), styles: names.filter((n) => n.endsWith('.css')) }
}

/** Chunks reachable from the entry through static `import … from "./chunk-…"` (dynamic import() ones stay lazy). */
function staticImports(files: Record<string, WebAsset>, entry: string): string[] {
  const seen = new Set<string>()
  const visit = (name: string) => {
    const code = new TextDecoder().decode(files[name]?.body ?? new Uint8Array(0))
    for (const m of code.matchAll(
      /(?:^|[;}\s])import\s*(?:[\w${},*\s]+from\s*)?["'](?:\.\/|\/assets\/)([\w.-]+\.js)["']/g,
    )) {
      const dep = m[1]!
      if (!seen.has(dep) && files[dep]) {
        seen.add(dep)
        visit(dep)
      }
    }
  }
  visit(entry)
  return [...seen]
}

/**
 * Module source that returns `assets` from memory: compiled into the binary in place of assets.ts (scripts/compile.ts).
 */
export function embeddedModule(assets: WebAssets): string {
  const files = Object.fromEntries(
    Object.entries(assets.files).map(([n, f]) => [n, { type: f.type, b64: Buffer.from(f.body).toString('base64') }]),
  )
  return `const files = ${JSON.stringify(files)}
const meta = ${JSON.stringify({ entry: assets.entry, preload: assets.preload, styles: assets.styles })}
const decoded = Object.fromEntries(Object.entries(files).map(([n, f]) => [n, { type: f.type, body: Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0)) }]))
export async function loadWebAssets() { return { files: decoded, ...meta } }
`
}
