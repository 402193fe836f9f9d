// Routes for /api/v1/workspaces and their members.
import { Elysia, t } from 'elysia'
import { errors } from '../../core/openapi-errors.ts'
import { Ok } from '../auth/model.ts'
import { authGuard } from '../auth/guard.ts'
import type { AuthService } from '../auth/service.ts'
import { Paging } from '../users/model.ts'
import {
  AddMemberBody,
  CreateWorkspaceBody,
  DeleteWorkspaceQuery,
  Member,
  MemberList,
  MemberParams,
  PutMemberBody,
  UpdateWorkspaceBody,
  Workspace,
  WorkspaceDeleted,
  WorkspaceIdParam,
  WorkspaceList,
  WorkspaceRoots,
} from './model.ts'
import { toPublicWorkspace, type WorkspaceService } from './service.ts'

export function workspacesModule(auth: AuthService, workspaces: WorkspaceService) {
  return new Elysia({ name: 'workspaces', prefix: '/api/v1/workspaces', detail: { tags: ['workspaces'] } })
    .use(authGuard(auth))
    .get('', ({ principal, query }) => workspaces.list(principal.user, query.limit, query.offset), {
      auth: true,
      query: Paging,
      response: { 200: WorkspaceList, ...errors(401) },
      detail: { summary: 'Workspaces you own or are a member of (admins: all)' },
    })
    .post(
      '',
      ({ principal, body, set }) => {
        set.status = 201
        return workspaces.create(principal.user, body)
      },
      {
        auth: true,
        body: CreateWorkspaceBody,
        response: { 201: Workspace, ...errors(401, 409) },
        detail: {
          summary:
            'Create a workspace: a new directory under the data directory, or an existing one inside a workspace root',
        },
      },
    )
    .get('/default', async ({ principal }) => toPublicWorkspace(await workspaces.defaultFor(principal.user)), {
      auth: true,
      response: { 200: Workspace, ...errors(401, 409) },
      detail: {
        summary:
          'Your default workspace (created on first use under the data directory): where sessions go that name no workspace (seed 004 session_create)',
      },
    })
    .get('/roots', () => workspaces.roots(), {
      auth: true,
      response: { 200: WorkspaceRoots, ...errors(401) },
      detail: { summary: 'The configured workspace roots, inside which existing directories may be registered' },
    })
    .get('/:id', ({ principal, params }) => workspaces.get(principal.user, params.id), {
      auth: true,
      params: WorkspaceIdParam,
      response: { 200: Workspace, ...errors(401, 404) },
      detail: { summary: 'Get a workspace' },
    })
    .patch('/:id', ({ principal, params, body }) => workspaces.update(principal.user, params.id, body), {
      auth: true,
      params: WorkspaceIdParam,
      body: UpdateWorkspaceBody,
      response: { 200: Workspace, ...errors(401, 403, 404) },
      detail: { summary: 'Rename, describe or hand over a workspace (owner or admin)' },
    })
    .delete(
      '/:id',
      ({ principal, params, query }) => workspaces.delete(principal.user, params.id, query.delete_files ?? false),
      {
        auth: true,
        params: WorkspaceIdParam,
        query: DeleteWorkspaceQuery,
        response: { 200: WorkspaceDeleted, ...errors(401, 403, 404, 409) },
        detail: {
          summary:
            'Delete a workspace (owner or admin): its queued and running executions are cancelled first; its directory stays unless delete_files=true for a managed one',
        },
      },
    )
    .get('/:id/members', ({ principal, params }) => workspaces.members(principal.user, params.id), {
      auth: true,
      params: WorkspaceIdParam,
      response: { 200: MemberList, ...errors(401, 404) },
      detail: { summary: 'List members' },
    })
    .post(
      '/:id/members',
      ({ principal, params, body, set }) => {
        set.status = 201
        return workspaces.addMemberByName(principal.user, params.id, body.username, body.session_role)
      },
      {
        auth: true,
        params: WorkspaceIdParam,
        body: AddMemberBody,
        response: { 201: Member, ...errors(401, 403, 404, 409) },
        detail: { summary: 'Add a member by username or change their default session role (owner or admin)' },
      },
    )
    .put(
      '/:id/members/:user_id',
      ({ principal, params, body }) =>
        workspaces.putMember(principal.user, params.id, params.user_id, body?.session_role),
      {
        auth: true,
        params: MemberParams,
        body: t.Optional(PutMemberBody),
        response: { 200: Member, ...errors(401, 403, 404, 409) },
        detail: { summary: 'Add a member or change their default session role (owner or admin)' },
      },
    )
    .delete(
      '/:id/members/:user_id',
      async ({ principal, params }) => {
        await workspaces.removeMember(principal.user, params.id, params.user_id)
        return { ok: true }
      },
      {
        auth: true,
        params: MemberParams,
        response: { 200: Ok, ...errors(401, 403, 404) },
        detail: { summary: 'Remove a member (owner or admin); their sockets stop receiving the workspace at once' },
      },
    )
}
