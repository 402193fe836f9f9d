// Builds the socket URL from what the user gave: a ws(s) URL as is, or an http(s) base plus /ws.
export function socketUrl(base: string, token?: string): string {
  const url = new URL(base)
  if (url.protocol === 'http:') url.protocol = 'ws:'
  else if (url.protocol === 'https:') url.protocol = 'wss:'
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
    throw new TypeError(`Unsupported URL ${base}: use ws(s):// or http(s)://`)
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/ws'
  if (token !== undefined) url.searchParams.set('token', token)
  return url.toString()
}
