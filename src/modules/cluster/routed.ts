// The session commands of a cluster node: the single-node services, with each call run on the session's owner node.
import { UNFINISHED_STATUSES, type ExecutionRecord, type UserRecord } from '../../store/records.ts'
import type { PermissionMode } from '../claude/cli/args.ts'
import type { ExecuteBody } from '../claude/model.ts'
import { ClaudeService, type ClaudeDeps } from '../claude/service.ts'
import { SessionControls } from '../permissions/controls.ts'
import { NOWHERE, type ExecutionPlace } from '../sessions/views.ts'
import type { PermissionAnswer } from '../permissions/model.ts'
import { PermissionService, type PermissionDeps } from '../permissions/service.ts'
import type { SessionRouter } from './router.ts'

// Subclasses rather than checks inside the services: a single node builds the plain ones and pays nothing for this.

export class RoutedClaudeService extends ClaudeService {
  private readonly nodeId: string

  constructor(
    deps: ClaudeDeps,
    private readonly router: SessionRouter,
  ) {
    super(deps)
    this.nodeId = deps.nodeId
    router.serve<ExecuteBody>('execute', (user, body) => this.executeHere(user, body))
    router.serve<string>('cancel', (user, id) => super.cancel(user, id))
    router.serve<string>('close_session', (user, id) => super.closeSession(user, id))
    router.answer<string[]>('queue_positions', async (ids) => ids.map((id) => this.placeHere(id).queue_position))
  }

  override execute(user: UserRecord, body: ExecuteBody) {
    if (!body.session_id) return this.executeHere(user, body)
    return this.router.run(body.session_id, true, 'execute', user, body, () => this.executeHere(user, body))
  }

  override async cancel(user: UserRecord, id: string) {
    const session = await this.router.sessionOfExecution(id)
    if (!session) return super.cancel(user, id)
    return this.router.run(session, false, 'cancel', user, id, () => super.cancel(user, id))
  }

  override closeSession(user: UserRecord, id: string) {
    return this.router.run(id, false, 'close_session', user, id, () => super.closeSession(user, id))
  }

  /** Each unfinished execution is where its session's owner is: asked once per node for its queue positions. */
  protected override async placesOf(list: ExecutionRecord[]): Promise<Map<string, ExecutionPlace>> {
    const open = list.filter((e) => UNFINISHED_STATUSES.includes(e.status))
    // Redis away: the execution is still readable, without saying where it runs
    const owners = await this.router.owners(open.map((e) => e.session_id)).catch(() => new Map<string, string>())
    const places = new Map<string, ExecutionPlace>()
    const away = new Map<string, string[]>()
    for (const e of open) {
      const node = owners.get(e.session_id)
      if (node === this.nodeId) places.set(e.id, this.placeHere(e.id))
      else if (node) away.set(node, [...(away.get(node) ?? []), e.id])
      else places.set(e.id, NOWHERE)
    }
    await Promise.all(
      [...away].map(async ([node, ids]) => {
        // a node that does not answer still runs it: its name stays, only the position is unknown
        const positions = (await this.router.ask(node, 'queue_positions', ids).catch(() => [])) as (number | null)[]
        for (const [i, id] of ids.entries()) places.set(id, { node_id: node, queue_position: positions[i] ?? null })
      }),
    )
    return places
  }

  /** The owner's lease is gone: its executions end now rather than at the next lease check. */
  protected override stopOrphan(e: ExecutionRecord): Promise<boolean> {
    return this.router.settleOrphan(e.id)
  }

  private async executeHere(user: UserRecord, body: ExecuteBody) {
    await this.router.requireWorkspace(body.workspace_id)
    const started = await super.execute(user, body)
    if (!body.session_id) await this.router.claim(started.session_id)
    return started
  }
}

interface Answer {
  request_id: string
  answer: PermissionAnswer
  session_id?: string
}

export class RoutedPermissionService extends PermissionService {
  constructor(
    deps: PermissionDeps,
    private readonly router: SessionRouter,
  ) {
    super(deps)
    router.serve<Answer>('permission_answer', (user, a) => super.answer(user, a.request_id, a.answer, a.session_id))
  }

  override async answer(user: UserRecord, requestId: string, answer: PermissionAnswer, sessionId?: string) {
    const session = await this.router.sessionOfPermission(requestId)
    const here = () => super.answer(user, requestId, answer, sessionId)
    if (!session) return here()
    const args: Answer = { request_id: requestId, answer, ...(sessionId ? { session_id: sessionId } : {}) }
    return this.router.run(session, false, 'permission_answer', user, args, here)
  }
}

type ControlsDeps = ConstructorParameters<typeof SessionControls>[0]

export class RoutedSessionControls extends SessionControls {
  constructor(
    deps: ControlsDeps,
    private readonly router: SessionRouter,
  ) {
    super(deps)
    router.serve<[string, PermissionMode]>('set_permission_mode', (user, [s, m]) => super.setPermissionMode(user, s, m))
    router.serve<[string, string]>('set_model', (user, [s, m]) => super.setModel(user, s, m))
  }

  override setPermissionMode(user: UserRecord, sessionId: string, mode: PermissionMode) {
    const here = () => super.setPermissionMode(user, sessionId, mode)
    return this.router.run(sessionId, false, 'set_permission_mode', user, [sessionId, mode], here)
  }

  override setModel(user: UserRecord, sessionId: string, model: string) {
    return this.router.run(sessionId, false, 'set_model', user, [sessionId, model], () =>
      super.setModel(user, sessionId, model),
    )
  }
}
