// Claude wiring: the Claude service (routed across nodes in a cluster) and its WebSocket commands.
import { TypeCompiler } from '@sinclair/typebox/compiler'
import type { AppDeps } from '../app.ts'
import { AppError } from '../core/errors.ts'
import type { SandboxStatus } from '../modules/claude/cli/sandbox.ts'
import type { ExecutionEngine } from '../modules/claude/engine/execution-engine.ts'
import { ExecuteBody } from '../modules/claude/model.ts'
import { ClaudeService } from '../modules/claude/service.ts'
import { registerClaudeCommands } from '../modules/claude/ws-commands.ts'
import type { ClusterNode } from '../modules/cluster/service.ts'
import { RoutedClaudeService } from '../modules/cluster/routed.ts'
import type { FileService } from '../modules/files/service.ts'
import type { ChannelLog } from '../modules/realtime/channel-log.ts'
import type { Dispatcher } from '../modules/realtime/dispatcher.ts'
import type { SessionAccess } from '../modules/sessions/access.ts'
import type { ToolPolicyService } from '../modules/tool-policy/service.ts'
import type { WorkspaceService } from '../modules/workspaces/service.ts'
import type { UserRecord } from '../store/records.ts'

export interface ClaudeWiring {
  nodeId: string
  node: ClusterNode | null
  log: ChannelLog
  dispatcher: Dispatcher
  engine: ExecutionEngine
  sessionAccess: SessionAccess
  workspaces: WorkspaceService
  toolPolicy: ToolPolicyService
  sandbox: SandboxStatus
  files: FileService
}

export function buildClaude(deps: AppDeps, w: ClaudeWiring) {
  const { files } = w
  const claudeDeps = {
    store: deps.store,
    log: w.log,
    engine: w.engine,
    access: w.sessionAccess,
    workspaces: w.workspaces,
    config: deps.config,
    env: deps.env,
    claudeBin: deps.claudeBin,
    toolPolicy: w.toolPolicy,
    sandbox: w.sandbox,
    nodeId: w.nodeId,
    attachments: (u: UserRecord, ws: string, ids: string[]) => files.preamble(u, ws, ids),
  }
  const claude = w.node ? new RoutedClaudeService(claudeDeps, w.node.router) : new ClaudeService(claudeDeps)
  const executeCheck = TypeCompiler.Compile(ExecuteBody)
  registerClaudeCommands(w.dispatcher, claude, (body) => {
    const first = executeCheck.Errors(body).First()
    if (first)
      throw new AppError('VALIDATION_FAILED', 422, `Invalid execute command: ${first.path || '/'} ${first.message}`)
  })
  return claude
}
