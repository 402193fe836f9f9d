// Routes for login, token refresh, logout and API keys.
import { Elysia } from 'elysia'
import { clientAddress } from '../../core/http.ts'
import { errors } from '../../core/openapi-errors.ts'
import { authGuard } from './guard.ts'
import {
  ApiKeyList,
  CreateApiKeyBody,
  CreatedApiKey,
  IdParam,
  LoginBody,
  LogoutBody,
  Ok,
  RefreshBody,
  TokenPair,
} from './model.ts'
import type { AuthService } from './service.ts'

export function authModule(auth: AuthService) {
  return new Elysia({ name: 'auth', prefix: '/api/v1/auth', detail: { tags: ['auth'] } })
    .use(authGuard(auth))
    .post(
      '/login',
      ({ body, request, server }) => auth.login(body.username, body.password, clientAddress(server, request)),
      {
        body: LoginBody,
        response: { 200: TokenPair, ...errors(401, 403, 429) },
        detail: { summary: 'Log in with username and password', security: [] },
      },
    )
    .post('/refresh', ({ body }) => auth.refresh(body.refresh_token), {
      body: RefreshBody,
      response: { 200: TokenPair, ...errors(401, 403) },
      detail: {
        summary: 'Trade a refresh token for a new token pair (the old refresh token is revoked)',
        security: [],
      },
    })
    .post(
      '/logout',
      async ({ principal, body }) => {
        await auth.logout(principal, body?.refresh_token)
        return { ok: true }
      },
      {
        auth: true,
        body: LogoutBody,
        response: { 200: Ok, ...errors(401) },
        detail: {
          summary:
            'Revoke the access token used (and the refresh token, if given); works at once over REST and WebSocket',
        },
      },
    )
    .post('/api-keys', ({ principal, body }) => auth.createApiKey(principal.user, body.name, body.expires_in_days), {
      auth: true,
      body: CreateApiKeyBody,
      response: { 200: CreatedApiKey, ...errors(401) },
      detail: { summary: 'Create an API key for programs; the key is returned once' },
    })
    .get('/api-keys', async ({ principal }) => ({ api_keys: await auth.listApiKeys(principal.user) }), {
      auth: true,
      response: { 200: ApiKeyList, ...errors(401) },
      detail: { summary: 'List your API keys (never the keys themselves)' },
    })
    .delete(
      '/api-keys/:id',
      async ({ principal, params }) => {
        await auth.revokeApiKey(principal.user, params.id)
        return { ok: true }
      },
      {
        auth: true,
        params: IdParam,
        response: { 200: Ok, ...errors(401, 404) },
        detail: { summary: 'Revoke an API key' },
      },
    )
}
