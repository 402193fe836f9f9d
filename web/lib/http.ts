// REST calls to this server: JSON in and out, the bearer token added, the server's error shape turned into ApiError.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
  }
}

export interface RequestOptions {
  method?: string
  body?: unknown
  token?: string | null
}

/** Turns any failed answer into an ApiError carrying the server's own message (or a plain one for non-JSON answers). */
export async function errorOf(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { code?: string; message?: string; details?: unknown }
    return new ApiError(
      res.status,
      body.code ?? 'HTTP_ERROR',
      body.message ?? `${res.status} ${res.statusText}`,
      body.details,
    )
  } catch {
    return new ApiError(res.status, 'HTTP_ERROR', `The server answered ${res.status} ${res.statusText}`)
  }
}

export async function rawRequest(path: string, o: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {}
  if (o.token) headers.authorization = `Bearer ${o.token}`
  if (o.body !== undefined) headers['content-type'] = 'application/json'
  try {
    return await fetch(path, {
      method: o.method ?? (o.body === undefined ? 'GET' : 'POST'),
      headers,
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
    })
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached; check that cchub is running')
  }
}

export async function jsonRequest<T>(path: string, o: RequestOptions = {}): Promise<T> {
  const res = await rawRequest(path, o)
  if (!res.ok) throw await errorOf(res)
  return (await res.json()) as T
}
