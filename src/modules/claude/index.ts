// Routes for /api/v1/claude: execute, executions, sessions and their logs.
import { Elysia } from 'elysia'
import { errors } from '../../core/openapi-errors.ts'
import { authGuard } from '../auth/guard.ts'
import type { AuthService } from '../auth/service.ts'
import { t } from 'elysia'
import {
  ClosedSession,
  CreateSessionBody,
  ExecuteBody,
  ExecuteResponse,
  Execution,
  ExecutionList,
  ExecutionQuery,
  IdParam,
  ImportSessionBody,
  LogsQuery,
  LogsResponse,
  Session,
  SessionList,
  SessionQuery,
  TerminalSession,
} from './model.ts'
import type { TerminalSessions } from './terminal-sessions.ts'
import { toPublicSession } from '../sessions/views.ts'
import type { ClaudeService } from './service.ts'

export function claudeModule(auth: AuthService, claude: ClaudeService, terminal: TerminalSessions) {
  return new Elysia({ name: 'claude', prefix: '/api/v1/claude', detail: { tags: ['claude'] } })
    .use(authGuard(auth))
    .post(
      '/execute',
      ({ principal, body, set }) => {
        set.status = 202
        return claude.execute(principal.user, body)
      },
      {
        auth: true,
        body: ExecuteBody,
        response: { 202: ExecuteResponse, ...errors(401, 403, 404, 409) },
        detail: {
          summary:
            'Run a prompt with Claude Code in a workspace (new session, or continue session_id); watch it on websocket_url',
        },
      },
    )
    .get('/executions', ({ principal, query }) => claude.listExecutions(principal.user, query), {
      auth: true,
      query: ExecutionQuery,
      response: { 200: ExecutionList, ...errors(401, 404) },
      detail: { summary: 'Executions you can see, newest first, filtered by session and status' },
    })
    .get('/executions/:id', ({ principal, params }) => claude.getExecution(principal.user, params.id), {
      auth: true,
      params: IdParam,
      response: { 200: Execution, ...errors(401, 404) },
      detail: { summary: 'Status, queue position, timings, turns, cost, usage and error of an execution' },
    })
    .post('/executions/:id/cancel', ({ principal, params }) => claude.cancel(principal.user, params.id), {
      auth: true,
      params: IdParam,
      response: { 200: Execution, ...errors(401, 403, 404, 409) },
      detail: { summary: 'Cancel: interrupt the turn, then SIGTERM, then SIGKILL the CLI process group' },
    })
    .get('/sessions', ({ principal, query }) => claude.listSessions(principal.user, query), {
      auth: true,
      query: SessionQuery,
      response: { 200: SessionList, ...errors(401, 404) },
      detail: { summary: 'Sessions you can see, optionally of one workspace' },
    })
    .post(
      '/sessions',
      ({ principal, body, set }) => {
        set.status = 201
        return claude.createSession(principal.user, body)
      },
      {
        auth: true,
        body: CreateSessionBody,
        response: { 201: Session, ...errors(401, 403, 404, 409) },
        detail: {
          summary:
            'Start an empty session to prompt in later (execute with its session_id); no workspace_id: your default workspace',
        },
      },
    )
    .get('/terminal-sessions', ({ principal, query }) => terminal.list(principal.user, query.workspace_id), {
      auth: true,
      query: t.Object({ workspace_id: t.String({ minLength: 1, maxLength: 64 }) }),
      response: { 200: t.Object({ sessions: t.Array(TerminalSession) }), ...errors(401, 404) },
      detail: {
        summary:
          "Sessions started with `claude` in a terminal in this workspace directory (server user's ~/.claude/projects)",
      },
    })
    .post(
      '/sessions/import',
      async ({ principal, body, set }) => {
        set.status = 201
        return toPublicSession(
          await terminal.import(principal.user, body.workspace_id, body.cli_session_id, body.title),
          'owner',
        )
      },
      {
        auth: true,
        body: ImportSessionBody,
        response: { 201: Session, ...errors(401, 403, 404, 409) },
        detail: {
          summary:
            'Adopt a terminal session so prompts through the API resume it (collaborator role in the workspace or more)',
        },
      },
    )
    .get('/sessions/:id', ({ principal, params }) => claude.getSession(principal.user, params.id), {
      auth: true,
      params: IdParam,
      response: { 200: Session, ...errors(401, 404) },
      detail: { summary: 'A session with its cost and usage totals and current execution' },
    })
    .delete(
      '/sessions/:id',
      async ({ principal, params }) => ({
        ...(await claude.closeSession(principal.user, params.id)),
        message: 'Session closed' as const,
      }),
      {
        auth: true,
        params: IdParam,
        response: { 200: ClosedSession, ...errors(401, 403, 404) },
        detail: {
          summary:
            'Close a session: stops its process and refuses new prompts (owner); the session with message "Session closed" (seed 002)',
        },
      },
    )
    .post('/sessions/:id/reopen', ({ principal, params }) => claude.reopenSession(principal.user, params.id), {
      auth: true,
      params: IdParam,
      response: { 200: Session, ...errors(401, 403, 404) },
      detail: { summary: 'Continue a closed session: it takes prompts again and resumes the conversation (owner)' },
    })
    .get(
      '/sessions/:id/logs',
      ({ principal, params, query }) => claude.logs(principal.user, params.id, query.limit, query.before),
      {
        auth: true,
        params: IdParam,
        query: LogsQuery,
        response: { 200: LogsResponse, ...errors(401, 404) },
        detail: {
          summary:
            'The session channel history (prompts, events, coalesced token streams, status), paged backwards by seq',
        },
      },
    )
}
