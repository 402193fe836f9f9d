// OpenAPI document at /swagger/json and Swagger UI at /swagger, its assets served from inside the server.
import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import bundlePath from 'swagger-ui-dist/swagger-ui-bundle.js' with { type: 'file' }
import cssPath from 'swagger-ui-dist/swagger-ui.css' with { type: 'file' }
import faviconPath from 'swagger-ui-dist/favicon-32x32.png' with { type: 'file' }
import { ErrorBody, notFound } from '../../core/errors.ts'

const ASSETS: Record<string, { path: string; type: string }> = {
  'swagger-ui-bundle.js': { path: bundlePath, type: 'text/javascript; charset=utf-8' },
  'swagger-ui.css': { path: cssPath, type: 'text/css; charset=utf-8' },
  'favicon-32x32.png': { path: faviconPath, type: 'image/png' },
}

export function docsModule(version: string) {
  return new Elysia({ name: 'docs' })
    .use(
      openapi({
        path: '/swagger',
        specPath: '/swagger/json',
        provider: 'swagger-ui',
        swagger: {
          // Absolute, so /swagger/ (which Elysia also serves) does not look for the spec at /swagger/swagger/json.
          // The plugin's type leaves `url` out, but it spreads these options last, so it is honoured.
          ...({ url: '/swagger/json' } as object),
          cdn: '/swagger/assets/swagger-ui-bundle.js',
          theme: '/swagger/assets/swagger-ui.css',
          persistAuthorization: true,
        },
        documentation: {
          info: {
            title: 'cchub API',
            version,
            description:
              'Run Claude Code on your own machine and watch it live. Log in at POST /api/v1/auth/login, then press Authorize and paste the access_token.',
          },
          tags: [
            { name: 'auth', description: 'Login, tokens and API keys' },
            { name: 'users', description: 'User administration and your profile' },
            { name: 'workspaces', description: 'Directories where Claude runs' },
            { name: 'health', description: 'Liveness' },
          ],
          components: {
            securitySchemes: {
              bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT or API key' },
              apiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
            },
            schemas: { Error: ErrorBody as never },
          },
          security: [{ bearerAuth: [] }, { apiKeyAuth: [] }],
        },
      }),
    )
    .get(
      '/swagger/assets/:name',
      ({ params }) => {
        const asset = ASSETS[params.name]
        if (!asset) throw notFound('Asset')
        return new Response(Bun.file(asset.path), {
          headers: { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' },
        })
      },
      { detail: { hide: true } },
    )
}
