// The browser app at / (and its client-side routes) with its hashed assets under /assets/; public, it holds no data.
import { Elysia } from 'elysia'
import { notFound } from '../../core/errors.ts'
import type { WebAssets } from './build.ts'
import { APP_ROUTES, indexHtml, securityHeaders } from './model.ts'

/** `load` gives the current asset set: embedded in the binary, or built from web/ when running from source. */
export function webModule(load: () => Promise<WebAssets>) {
  const page = async (request: Request) => {
    const html = indexHtml(await load())
    return new Response(html, {
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        ...securityHeaders(request.headers.get('host')),
      },
    })
  }
  const app = new Elysia({ name: 'web' }).get(
    '/assets/:name',
    async ({ params, request }) => {
      const asset = (await load()).files[params.name]
      if (!asset) throw notFound('Asset')
      // names carry a content hash, so a file never changes under its name
      return new Response(asset.body, {
        headers: {
          'content-type': asset.type,
          'cache-control': 'public, max-age=31536000, immutable',
          ...securityHeaders(request.headers.get('host')),
        },
      })
    },
    { detail: { hide: true } },
  )
  for (const path of APP_ROUTES) app.get(path, ({ request }) => page(request), { detail: { hide: true } })
  return app
}
