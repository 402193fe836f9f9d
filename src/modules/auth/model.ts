// TypeBox schemas for login, tokens and API keys.
import { t } from 'elysia'

export const LoginBody = t.Object({
  username: t.String({ minLength: 1, maxLength: 64 }),
  password: t.String({ minLength: 1, maxLength: 1024 }),
})
export const RefreshBody = t.Object({ refresh_token: t.String({ minLength: 1, maxLength: 4096 }) })
export const LogoutBody = t.Optional(t.Object({ refresh_token: t.Optional(t.String({ maxLength: 4096 })) }))

export const TokenPair = t.Object(
  {
    access_token: t.String(),
    refresh_token: t.String(),
    token_type: t.Literal('Bearer'),
    expires_in: t.Number({ description: 'Seconds until access_token expires' }),
  },
  { title: 'TokenPair' },
)

export const CreateApiKeyBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 100 }),
  expires_in_days: t.Optional(t.Integer({ minimum: 1, maximum: 3650 })),
})
export const ApiKeyInfo = t.Object(
  {
    id: t.String(),
    name: t.String(),
    prefix: t.String({ description: 'First characters of the key, to recognise it' }),
    created_at: t.String({ format: 'date-time' }),
    last_used_at: t.Nullable(t.String({ format: 'date-time' })),
    expires_at: t.Nullable(t.String({ format: 'date-time' })),
    revoked_at: t.Nullable(t.String({ format: 'date-time' })),
  },
  { title: 'ApiKey' },
)
export const CreatedApiKey = t.Composite(
  [ApiKeyInfo, t.Object({ key: t.String({ description: 'Shown once; only its hash is stored' }) })],
  { title: 'CreatedApiKey' },
)
export const ApiKeyList = t.Object({ api_keys: t.Array(ApiKeyInfo) })
export const IdParam = t.Object({ id: t.String({ minLength: 1, maxLength: 64 }) })
export const Ok = t.Object({ ok: t.Boolean() })
