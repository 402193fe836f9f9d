// Routes for /api/v1/files: streamed multipart upload, list, download with Range, delete and share.
import { Elysia } from 'elysia'
import { errors } from '../../core/openapi-errors.ts'
import { Ok } from '../auth/model.ts'
import { authGuard } from '../auth/guard.ts'
import type { AuthService } from '../auth/service.ts'
import {
  Download,
  FileIdParam,
  FileList,
  FileListQuery,
  FileView,
  ShareBody,
  UploadQuery,
  uploadRequestBody,
} from './model.ts'
import type { FileService } from './service.ts'

/**
 * Routes that read their body as a stream and enforce CCHUB_MAX_UPLOAD_BYTES themselves (exempt from
 * CCHUB_MAX_BODY_BYTES).
 */
export const STREAMED_BODY_PATHS: ReadonlySet<string> = new Set(['/api/v1/files/upload'])

export function filesModule(auth: AuthService, files: FileService) {
  return new Elysia({ name: 'files', prefix: '/api/v1/files', detail: { tags: ['files'] } })
    .use(authGuard(auth))
    .post(
      '/upload',
      async ({ principal, request, query, set }) => {
        const length = request.headers.get('content-length')
        const file = await files.upload(principal.user, {
          body: request.body,
          contentType: request.headers.get('content-type'),
          contentLength: length === null ? null : Number(length),
          query,
        })
        set.status = 201
        return file
      },
      {
        auth: true,
        // The body is read here as a stream (never buffered by the framework): see receive.ts.
        parse: 'none',
        query: UploadQuery,
        response: { 201: FileView, ...errors(400, 401, 403, 404, 413, 415) },
        detail: {
          summary:
            "Upload a file (multipart: `file`, plus session_id or workspace_id; neither: your default workspace) into the workspace's uploads/ directory; streamed to disk and hashed",
          requestBody: uploadRequestBody as never,
        },
      },
    )
    .get('', ({ principal, query }) => files.list(principal.user, query), {
      auth: true,
      query: FileListQuery,
      response: { 200: FileList, ...errors(401, 404) },
      detail: { summary: 'Files of a session (session_id) or of a workspace (workspace_id), newest first' },
    })
    .get('/:id/info', ({ principal, params }) => files.get(principal.user, params.id), {
      auth: true,
      params: FileIdParam,
      response: { 200: FileView, ...errors(401, 404) },
      detail: { summary: "A file's metadata" },
    })
    .get(
      '/:id',
      async ({ principal, params, request }) => {
        const d = await files.download(
          principal.user,
          params.id,
          request.headers.get('range'),
          request.headers.get('if-range'),
        )
        const blob = d.status === 206 ? Bun.file(d.path).slice(d.start, d.end + 1) : Bun.file(d.path)
        return new Response(blob, { status: d.status, headers: d.headers })
      },
      {
        auth: true,
        params: FileIdParam,
        response: { 200: Download, 206: Download, ...errors(401, 404, 416) },
        detail: {
          summary:
            'Download a file as an attachment (Range requests supported); served with a detected safe type, never as HTML',
        },
      },
    )
    .delete(
      '/:id',
      async ({ principal, params }) => {
        await files.remove(principal.user, params.id)
        return { ok: true }
      },
      {
        auth: true,
        params: FileIdParam,
        response: { 200: Ok, ...errors(401, 403, 404) },
        detail: {
          summary: 'Delete a file and its bytes (the uploader, an owner of the session or workspace, or an admin)',
        },
      },
    )
    .post(
      '/:id/share',
      async ({ principal, params, body, set }) => {
        set.status = 201
        return files.share(principal.user, params.id, body.session_id)
      },
      {
        auth: true,
        params: FileIdParam,
        body: ShareBody,
        response: { 201: FileView, ...errors(401, 403, 404, 413) },
        detail: {
          summary:
            'Copy a file you can read into another session you can write to (collaborator); announced as file_shared',
        },
      },
    )
}
