// Sign-in state: the access token only in memory, the refresh token in localStorage, refreshed silently before expiry.
import { signal } from '@preact/signals'
import { ApiError, jsonRequest, type RequestOptions } from './http.ts'
import type { Me, TokenPair } from './types.ts'

const REFRESH_KEY = 'cchub.refresh_token'
let access: string | null = null
let expiresAt = 0
let timer: ReturnType<typeof setTimeout> | undefined

export const me = signal<Me | null>(null)
/** True until the stored refresh token has been tried on start. */
export const restoring = signal(true)

function store(pair: TokenPair): void {
  access = pair.access_token
  expiresAt = Date.now() + pair.expires_in * 1000
  localStorage.setItem(REFRESH_KEY, pair.refresh_token)
  clearTimeout(timer)
  // a minute early (or at 80 % of a short lifetime), so no request ever carries an expired token
  timer = setTimeout(
    () => void refresh().catch(() => {}),
    Math.max(5_000, Math.min(pair.expires_in * 800, pair.expires_in * 1000 - 60_000)),
  )
}

function clear(): void {
  access = null
  expiresAt = 0
  clearTimeout(timer)
  localStorage.removeItem(REFRESH_KEY)
  me.value = null
}

/** Refresh tokens are single-use: tabs take turns (Web Locks) and each reads the newest token inside its turn. */
async function refresh(): Promise<void> {
  const run = async () => {
    const token = localStorage.getItem(REFRESH_KEY)
    if (!token) throw new ApiError(401, 'UNAUTHORIZED', 'Not signed in')
    try {
      store(await jsonRequest<TokenPair>('/api/v1/auth/refresh', { body: { refresh_token: token } }))
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) clear()
      throw err
    }
  }
  if (navigator.locks) await navigator.locks.request('cchub-refresh', run)
  else await run()
}

/** A token valid for at least the next 30 s. */
export async function accessToken(): Promise<string> {
  if (!access || Date.now() > expiresAt - 30_000) await refresh()
  return access!
}

/** An authenticated JSON request; one silent refresh and retry when the token was refused. */
export async function api<T>(path: string, o: Omit<RequestOptions, 'token'> = {}): Promise<T> {
  try {
    return await jsonRequest<T>(path, { ...o, token: await accessToken() })
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401 || !localStorage.getItem(REFRESH_KEY)) throw err
    await refresh()
    return jsonRequest<T>(path, { ...o, token: access })
  }
}

export async function signIn(username: string, password: string): Promise<void> {
  store(await jsonRequest<TokenPair>('/api/v1/auth/login', { body: { username, password } }))
  me.value = await api<Me>('/api/v1/users/me')
}

export async function restore(): Promise<void> {
  try {
    if (localStorage.getItem(REFRESH_KEY)) me.value = await api<Me>('/api/v1/users/me')
  } catch {
    clear()
  } finally {
    restoring.value = false
  }
}

export async function changePassword(current_password: string, new_password: string): Promise<void> {
  // the server revokes every earlier token and answers with a fresh pair
  store(await api<TokenPair>('/api/v1/users/me/password', { method: 'PUT', body: { current_password, new_password } }))
}

/** Revokes both tokens on the server, then forgets everything this tab knew. */
export async function signOut(): Promise<void> {
  const refresh_token = localStorage.getItem(REFRESH_KEY) ?? undefined
  try {
    if (access) await jsonRequest('/api/v1/auth/logout', { body: { refresh_token }, token: access })
  } catch {
    // signing out locally must work even when the server cannot be reached
  }
  clear()
}
