// Routes for session participants, share links and the shared document under /api/v1/claude.
import { Elysia } from 'elysia'
import { errors } from '../../core/openapi-errors.ts'
import { authGuard } from '../auth/guard.ts'
import type { AuthService } from '../auth/service.ts'
import {
  AcceptBody,
  AcceptResult,
  AddParticipantBody,
  CreateShareBody,
  LinkParams,
  Participant,
  ParticipantList,
  ParticipantParams,
  PatchParticipantBody,
  RemoveResult,
  SessionParams,
  SharedDocument,
  ShareInfo,
  ShareLink,
  ShareLinkCreated,
  ShareLinkList,
  TokenParams,
} from './model.ts'
import type { Collab } from './service.ts'

/**
 * Share-link routes carry the link's token in the path; the logs show it as [redacted], also in near-miss spellings.
 */
export const SECRET_PATHS: readonly RegExp[] = [/^(\/+api\/+v1\/+claude\/+share\/+)[^/]+/i]

export function collabModule(auth: AuthService, c: Collab) {
  return new Elysia({ name: 'collab', prefix: '/api/v1/claude', detail: { tags: ['collaboration'] } })
    .use(authGuard(auth))
    .get('/sessions/:id/participants', ({ principal, params }) => c.service.list(principal.user, params.id), {
      auth: true,
      params: SessionParams,
      response: { 200: ParticipantList, ...errors(401, 404) },
      detail: {
        summary:
          'Everyone with a role on the session (owner, participants, workspace owner and members), with who is online',
      },
    })
    .post(
      '/sessions/:id/participants',
      async ({ principal, params, body, set }) => {
        set.status = 201
        return c.service.add(principal.user, params.id, await c.service.userIdOf(body), body.role)
      },
      {
        auth: true,
        params: SessionParams,
        body: AddParticipantBody,
        response: { 201: Participant, ...errors(401, 403, 404, 409) },
        detail: { summary: 'Invite an existing user as collaborator or viewer (owner)' },
      },
    )
    .patch(
      '/sessions/:id/participants/:user_id',
      ({ principal, params, body }) => c.service.setRole(principal.user, params.id, params.user_id, body.role),
      {
        auth: true,
        params: ParticipantParams,
        body: PatchParticipantBody,
        response: { 200: Participant, ...errors(401, 403, 404, 409) },
        detail: {
          summary:
            'Change a role (owner); role=owner hands the session over and makes the previous owner a collaborator',
        },
      },
    )
    .delete(
      '/sessions/:id/participants/:user_id',
      ({ principal, params }) => c.service.remove(principal.user, params.id, params.user_id),
      {
        auth: true,
        params: ParticipantParams,
        response: { 200: RemoveResult, ...errors(401, 403, 404, 409) },
        detail: {
          summary:
            'Remove a participant (owner, or yourself to leave); their sockets stop receiving the session at once',
        },
      },
    )
    .post(
      '/sessions/:id/share',
      async ({ principal, params, body, set }) => {
        set.status = 201
        return c.shareLinks.create(principal.user, params.id, body)
      },
      {
        auth: true,
        params: SessionParams,
        body: CreateShareBody,
        response: { 201: ShareLinkCreated, ...errors(401, 403, 404) },
        detail: {
          summary: 'Create a share link with a role and an expiry (owner); the token is shown only in this answer',
        },
      },
    )
    .get('/sessions/:id/share', ({ principal, params }) => c.shareLinks.list(principal.user, params.id), {
      auth: true,
      params: SessionParams,
      response: { 200: ShareLinkList, ...errors(401, 403, 404) },
      detail: { summary: "The session's share links, without tokens (owner)" },
    })
    .delete(
      '/sessions/:id/share/:link_id',
      ({ principal, params }) => c.shareLinks.revoke(principal.user, params.id, params.link_id),
      {
        auth: true,
        params: LinkParams,
        response: { 200: ShareLink, ...errors(401, 403, 404) },
        detail: { summary: 'Revoke a share link (owner); people who already joined keep their role' },
      },
    )
    .get('/share/:token', ({ principal, params }) => c.shareLinks.info(principal.user, params.token), {
      auth: true,
      params: TokenParams,
      response: { 200: ShareInfo, ...errors(401, 404, 410) },
      detail: { summary: 'What a share link grants (410 when expired or revoked)' },
    })
    .post('/share/:token/accept', ({ principal, params }) => c.shareLinks.accept(principal.user, params.token), {
      auth: true,
      params: TokenParams,
      body: AcceptBody,
      response: { 200: AcceptResult, ...errors(401, 404, 410) },
      detail: {
        summary:
          "Join the session with the link's role (never lowers a higher role you already have); 410 when expired or revoked",
      },
    })
    .get('/sessions/:id/document', ({ principal, params }) => c.docs.read(principal.user, params.id), {
      auth: true,
      params: SessionParams,
      response: { 200: SharedDocument, ...errors(401, 404) },
      detail: { summary: 'The shared document (text and version); edit it over WebSocket with code_change' },
    })
}
