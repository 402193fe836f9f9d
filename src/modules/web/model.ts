// The web app's page, its client-side routes and the security headers every answer of this module carries.
import type { WebAssets } from './build.ts'

/** Paths the app routes itself (history API): each answers with index.html so a reload or a shared link works. */
export const APP_ROUTES = ['/', '/w/:id', '/s/:id', '/account', '/admin', '/join'] as const

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/

/** No inline script or style, nothing from another host; the WebSocket may only go back to this host. */
export function contentSecurityPolicy(host: string | null): string {
  const sockets = host && HOST.test(host) ? ` ws://${host} wss://${host}` : ''
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${sockets}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

export function securityHeaders(host: string | null): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(host),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  }
}

export function indexHtml(a: WebAssets): string {
  const preload = a.preload.map((n) => `<link rel="modulepreload" href="/assets/${n}">`).join('')
  const styles = a.styles.map((n) => `<link rel="stylesheet" href="/assets/${n}">`).join('')
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">` +
    `<meta name="color-scheme" content="light dark"><title>cchub</title>${styles}${preload}` +
    `<script type="module" src="/assets/${a.entry}"></script></head>` +
    `<body><div id="app"><noscript>cchub needs JavaScript.</noscript></div></body></html>`
  )
}
