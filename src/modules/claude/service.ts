// Executions and sessions: the logic behind /api/v1/claude and the WebSocket `command` messages.
import type { Config } from '../../config/schema.ts'
import { AppError, notFound } from '../../core/errors.ts'
import { UNFINISHED_STATUSES, type ExecutionRecord, type UserRecord } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'
import type { ChannelLog } from '../realtime/channel-log.ts'
import { sessionChannel, taskChannel } from '../realtime/channels.ts'
import type { ToolPolicyService } from '../tool-policy/service.ts'
import type { WorkspaceService } from '../workspaces/service.ts'
import type { SessionAccess } from '../sessions/access.ts'
import type { ExecutionEngine } from './engine/execution-engine.ts'
import type { ExecuteBody } from './model.ts'
import type { SandboxStatus } from './cli/sandbox.ts'
import { requireSandboxFor } from './sandbox-policy.ts'
import { cliSpec, processSignature, queuedExecution } from './launch.ts'
import { newSession, openSession, sessionWorkspace } from './session-target.ts'
import { NOWHERE, toPublicExecution, toPublicSession, type ExecutionPlace } from '../sessions/views.ts'
import { listSessions, readSession, sessionLogs } from './session-reads.ts'

export interface ClaudeDeps {
  store: Store
  log: ChannelLog
  engine: ExecutionEngine
  access: SessionAccess
  workspaces: WorkspaceService
  config: Config
  env: Record<string, string | undefined>
  claudeBin: () => string | null
  toolPolicy: ToolPolicyService
  sandbox: SandboxStatus
  /** CCHUB_NODE_ID of this node: the execution queue is this node's, so its answers say which node it is. */
  nodeId: string
  /** Lines naming the execution's file_ids for the CLI (they are checked: readable, same workspace). */
  attachments?: (user: UserRecord, workspaceId: string, fileIds: string[]) => Promise<string>
}

export class ClaudeService {
  constructor(private readonly deps: ClaudeDeps) {}

  async execute(user: UserRecord, request: ExecuteBody) {
    const body = await this.checkPolicy(user, request)
    requireSandboxFor({ role: user.role, tools: body.tools, permissionMode: body.permission_mode }, this.deps.sandbox)
    // A session participant prompts by their session role, even without being a member of the session's workspace.
    const ws = body.session_id
      ? await sessionWorkspace(this.deps, user, body.session_id, body.workspace_id)
      : await this.deps.workspaces.visible(user, body.workspace_id)
    const preamble = body.file_ids?.length ? await this.attachFiles(user, ws.id, body.file_ids) : ''
    const session = body.session_id
      ? await openSession(this.deps, user, body.session_id, ws.id)
      : await newSession(this.deps, user, ws, body.prompt.slice(0, 80))
    const { execution, options } = queuedExecution(user, session, body)
    const { prompt } = body
    await this.deps.store.executions.create(execution)
    const attribution = {
      execution_id: execution.id,
      user_id: user.id,
      username: user.username,
      prompt,
      options: execution.options,
    }
    await Promise.all([
      this.deps.log.emit(sessionChannel(session.id), 'prompt', attribution),
      this.deps.log.emit(taskChannel(execution.id), 'prompt', attribution),
    ])
    this.deps.engine.enqueue({
      execution,
      session,
      input: preamble + prompt,
      signature: processSignature(options),
      spec: (s) => cliSpec(this.deps, s, ws.path, body),
    })
    const current = await this.deps.store.executions.byId(execution.id)
    return {
      execution_id: execution.id,
      session_id: session.id,
      status: current?.status ?? 'queued',
      queue_position: this.deps.engine.position(execution.id),
      node_id: this.deps.nodeId,
      websocket_url: `/ws/executions/${execution.id}`,
    }
  }

  /** An empty session to prompt in later (seed 004's session_create); without workspace_id, the user's default one. */
  async createSession(user: UserRecord, input: { workspace_id?: string; title?: string }) {
    const ws = input.workspace_id
      ? await this.deps.workspaces.visible(user, input.workspace_id)
      : await this.deps.workspaces.defaultFor(user)
    return toPublicSession(await newSession(this.deps, user, ws, input.title ?? null), 'owner')
  }

  async getExecution(user: UserRecord, id: string) {
    const e = await this.deps.store.executions.byId(id)
    if (!e || !(await this.deps.access.canReadSession(user, e.session_id))) throw notFound('Execution')
    return toPublicExecution(e, (await this.placesOf([e])).get(e.id) ?? NOWHERE)
  }

  async listExecutions(
    user: UserRecord,
    q: { session_id?: string; status?: ExecutionRecord['status']; limit?: number; offset?: number },
  ) {
    if (q.session_id) await this.deps.access.require(user, q.session_id, 'viewer')
    const { items, total } = await this.deps.store.executions.list({
      sessionId: q.session_id,
      status: q.status,
      visibleTo: user.role === 'admin' ? null : user.id,
      limit: q.limit ?? 50,
      offset: q.offset ?? 0,
    })
    const places = await this.placesOf(items)
    return { executions: items.map((e) => toPublicExecution(e, places.get(e.id) ?? NOWHERE)), total }
  }

  /** Where each unfinished execution of `list` is queued or runs: on a single node, here. */
  protected async placesOf(list: ExecutionRecord[]): Promise<Map<string, ExecutionPlace>> {
    return new Map(list.filter((e) => UNFINISHED_STATUSES.includes(e.status)).map((e) => [e.id, this.placeHere(e.id)]))
  }

  protected placeHere(executionId: string): ExecutionPlace {
    return { node_id: this.deps.nodeId, queue_position: this.deps.engine.position(executionId) }
  }

  /** Ends an unfinished execution that no engine holds any more (its node died); a single node has no such thing. */
  protected async stopOrphan(_e: ExecutionRecord): Promise<boolean> {
    return false
  }

  async cancel(user: UserRecord, id: string) {
    const e = await this.deps.store.executions.byId(id)
    if (!e || !(await this.deps.access.canReadSession(user, e.session_id))) throw notFound('Execution')
    await this.deps.access.require(user, e.session_id, 'collaborator')
    const cancelled = await this.deps.engine.cancel(id, 'cancelled', `Cancelled by ${user.username}`)
    if (!cancelled && !(await this.stopOrphan(e))) {
      throw new AppError('CONFLICT', 409, `Execution already ${e.status}`)
    }
    return this.getExecution(user, id)
  }

  listSessions(user: UserRecord, q: { workspace_id?: string; limit?: number; offset?: number }) {
    return listSessions(this.deps, user, q)
  }

  getSession(user: UserRecord, id: string) {
    return readSession(this.deps, user, id)
  }

  async closeSession(user: UserRecord, id: string) {
    const { session } = await this.deps.access.require(user, id, 'owner')
    if (session.status === 'closed') return this.getSession(user, id)
    await this.deps.store.sessions.update(id, { status: 'closed', closed_at: Date.now(), updated_at: Date.now() })
    await this.deps.engine.closeSession(id, `Session closed by ${user.username}`)
    await this.deps.log.emit(sessionChannel(id), 'session', {
      session_id: id,
      workspace_id: session.workspace_id,
      status: 'closed',
      by: user.id,
    })
    return this.getSession(user, id)
  }

  /** Continue a closed session: it takes prompts again, resuming the CLI conversation where it stopped. */
  async reopenSession(user: UserRecord, id: string) {
    const { session } = await this.deps.access.require(user, id, 'owner')
    if (session.status === 'active') return this.getSession(user, id)
    await this.deps.store.sessions.update(id, { status: 'active', closed_at: null, updated_at: Date.now() })
    await this.deps.log.emit(sessionChannel(id), 'session', { session_id: id, status: 'active', by: user.id })
    return this.getSession(user, id)
  }

  logs(user: UserRecord, id: string, limit = 100, before?: number) {
    return sessionLogs(this.deps, user, id, limit, before)
  }

  private attachFiles(user: UserRecord, workspaceId: string, fileIds: string[]): Promise<string> {
    if (!this.deps.attachments)
      throw new AppError('VALIDATION_FAILED', 422, 'file_ids are not supported on this server')
    return this.deps.attachments(user, workspaceId, fileIds)
  }

  /** The request with `tools` replaced by the checked rules, one per CLI argv entry (see ToolPolicyService.check). */
  private async checkPolicy(user: UserRecord, body: ExecuteBody): Promise<ExecuteBody> {
    const tools = await this.deps.toolPolicy.check(user, body.tools, body.permission_mode)
    if (!this.deps.claudeBin())
      throw new AppError(
        'CLAUDE_UNAVAILABLE',
        503,
        'The Claude CLI is not installed on this server; install @anthropic-ai/claude-code or set CCHUB_CLAUDE_BIN',
      )
    return tools === undefined ? body : { ...body, tools }
  }
}
