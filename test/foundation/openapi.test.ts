// /swagger/json documents every visible route with schemas, security and the error shape; /swagger works offline.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test'
import { APP_ROUTES } from '../../src/modules/web/model.ts'
import { startTestServer, type TestServer } from '../support/server.ts'
import { SETUP_TIMEOUT } from './helpers.ts'

setDefaultTimeout(SETUP_TIMEOUT) // servers and argon2 hashing are slow on a busy CI machine

const PUBLIC = new Set(['GET /health', 'POST /api/v1/auth/login', 'POST /api/v1/auth/refresh'])

type Schema = Record<string, unknown> & { properties?: Record<string, unknown>; required?: string[]; $ref?: string }
interface Operation {
  security?: Record<string, string[]>[]
  requestBody?: { content?: Record<string, { schema?: Schema }> }
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>
}
interface Spec {
  openapi: string
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> }
  security?: unknown[]
}

let s: TestServer
let spec: Spec
beforeAll(async () => {
  s = await startTestServer()
  const res = await fetch(s.url + '/swagger/json')
  expect(res.status).toBe(200)
  spec = (await res.json()) as Spec
}, SETUP_TIMEOUT)
afterAll(() => s.close())

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z_]+)/g, '{$1}')
const documentedRoutes = () =>
  s.app.routes
    .filter((r) => !(r.hooks as { detail?: { hide?: boolean } } | undefined)?.detail?.hide)
    .map((r) => ({
      key: `${r.method} ${r.path}`,
      op: spec.paths[toOpenApiPath(r.path)]?.[r.method.toLowerCase()],
      hasBody: (r.hooks as { body?: unknown } | undefined)?.body !== undefined,
    }))

function isErrorShape(schema: Schema | undefined): boolean {
  if (!schema) return false
  if (schema.$ref) return schema.$ref === '#/components/schemas/Error'
  const req = new Set(schema.required ?? [])
  return ['code', 'message', 'trace_id', 'timestamp'].every((k) => req.has(k) && schema.properties?.[k] !== undefined)
}

describe('/swagger/json', () => {
  test('is OpenAPI 3 with the bearer and API-key schemes and the Error schema', () => {
    expect(spec.openapi).toStartWith('3.')
    expect(Object.keys(spec.components.securitySchemes).sort()).toEqual(['apiKeyAuth', 'bearerAuth'])
    expect(isErrorShape(spec.components.schemas.Error)).toBe(true)
  })

  test('lists every route of the app with its method and a success response schema', () => {
    const routes = documentedRoutes()
    expect(routes.length).toBeGreaterThanOrEqual(20)
    const problems: string[] = []
    for (const { key, op, hasBody } of routes) {
      if (!op) {
        problems.push(`${key} is not documented`)
        continue
      }
      const success = Object.entries(op.responses ?? {}).find(([status]) => status.startsWith('2'))
      if (!success) problems.push(`${key} has no 2xx response`)
      else if (!Object.values(success[1].content ?? {}).some((c) => c.schema)) problems.push(`${key} has no 2xx schema`)
      if (hasBody && !op.requestBody?.content) problems.push(`${key} validates a body but does not document it`)
    }
    expect(problems).toEqual([])
  })

  test('each secured route requires bearer or API key, each public route none', () => {
    const problems: string[] = []
    for (const { key, op } of documentedRoutes()) {
      if (!op) continue
      const security = JSON.stringify(op.security ?? spec.security ?? [])
      const want = PUBLIC.has(key) ? '[]' : JSON.stringify([{ bearerAuth: [] }, { apiKeyAuth: [] }])
      if (security !== want) problems.push(`${key} has security ${security}`)
    }
    expect(problems).toEqual([])
  })

  test('every error response uses the error shape, and secured routes document 401', () => {
    const problems: string[] = []
    for (const { key, op } of documentedRoutes()) {
      if (!op) continue
      const responses = op.responses ?? {}
      if (!PUBLIC.has(key) && !('401' in responses)) problems.push(`${key} does not document 401`)
      for (const [status, r] of Object.entries(responses)) {
        if (Number(status) >= 400 && !isErrorShape(r.content?.['application/json']?.schema))
          problems.push(`${key} ${status} is not the error shape`)
      }
    }
    expect(problems).toEqual([])
  })

  test('hidden routes (the docs themselves, the sockets, the web app) are not listed, and only those are hidden', () => {
    expect(spec.paths['/swagger/assets/{name}']).toBeUndefined()
    expect(spec.paths['/swagger/json']).toBeUndefined()
    const hidden = s.app.routes
      .filter((r) => (r.hooks as { detail?: { hide?: boolean } } | undefined)?.detail?.hide)
      .map((r) => r.path)
    const web = new Set<string>([...APP_ROUTES, '/assets/:name'])
    for (const path of hidden.filter((p) => !web.has(p))) expect(path).toMatch(/^\/(swagger|ws)(\/|$)/)
    for (const path of web) expect(hidden).toContain(path)
  })
})

describe('/swagger', () => {
  for (const page of ['/swagger', '/swagger/']) {
    test(`${page} references only assets this server serves, and each one loads`, async () => {
      const res = await fetch(s.url + page)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toContain('text/html')
      const html = await res.text()
      expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i)
      expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/i)
      const refs = [...html.matchAll(/(?:src|href)\s*=\s*"([^"]+)"/g)].map((m) => m[1]!)
      const specUrl = /"url"\s*:\s*"([^"]+)"/.exec(html)?.[1]
      expect(specUrl).toBeDefined()
      expect(refs.length).toBeGreaterThanOrEqual(2)
      for (const ref of [...refs, specUrl!]) {
        const url = new URL(ref, s.url + page)
        expect(url.origin).toBe(new URL(s.url).origin)
        const asset = await fetch(url)
        expect(asset.status === 200 ? ref : `${ref} -> ${url.pathname} ${asset.status}`).toBe(ref)
        expect((await asset.arrayBuffer()).byteLength).toBeGreaterThan(100)
      }
    })
  }
})
