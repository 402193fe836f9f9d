// Where the web app's files come from: built from web/ on demand (rebuilt on source changes); the binary embeds them.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { buildWebAssets, WEB_DIR, type WebAssets } from './build.ts'

let built: { stamp: number; assets: Promise<WebAssets> } | undefined

/** Newest modification time under web/, so a page reload after an edit gets a fresh build. */
function sourceStamp(dir = WEB_DIR): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? sourceStamp(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** scripts/compile.ts swaps this module for one holding the prebuilt files (see embeddedModule in build.ts). */
export async function loadWebAssets(): Promise<WebAssets> {
  const stamp = sourceStamp()
  if (!built || built.stamp !== stamp) {
    const assets = buildWebAssets()
    built = { stamp, assets }
    // a failed build is retried on the next request instead of being remembered
    assets.catch(() => {
      if (built?.assets === assets) built = undefined
    })
  }
  return built.assets
}
