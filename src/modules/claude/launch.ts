// What an execute request becomes: the queued execution record, the process signature, and the CLI's argv and env.
import type { ExecutionRecord, SessionRecord, UserRecord } from '../../store/records.ts'
import { buildCliArgs } from './cli/args.ts'
import { cliEnv } from './cli/env.ts'
import { prepareHome, serverLogin } from './cli/home.ts'
import type { ExecuteBody } from './model.ts'
import type { ClaudeDeps } from './service.ts'

type Options = Omit<ExecuteBody, 'prompt' | 'metadata' | 'session_id' | 'workspace_id' | 'stream'>

/** A new queued execution of `body` in the session; options keep all but the prompt, the target and `stream`. */
export function queuedExecution(user: UserRecord, session: SessionRecord, body: ExecuteBody) {
  const { prompt, metadata, session_id: _s, workspace_id: _w, stream: _st, ...options } = body
  const execution: ExecutionRecord = {
    id: Bun.randomUUIDv7(),
    session_id: session.id,
    workspace_id: session.workspace_id,
    user_id: user.id,
    prompt,
    options: { ...options, ...(metadata ? { metadata } : {}) },
    status: 'queued',
    error: null,
    exit_code: null,
    num_turns: 0,
    message_count: 0,
    total_cost_usd: null,
    usage: null,
    stderr: null,
    permission_denials: null,
    created_at: Date.now(),
    started_at: null,
    finished_at: null,
  }
  return { execution, options }
}

/** What a session process is started with: a run with another signature needs a process of its own. */
export function processSignature(options: Options): string {
  return JSON.stringify([
    options.model,
    options.system_prompt,
    options.append_system_prompt,
    options.max_turns,
    [...(options.tools ?? [])].sort(),
    options.permission_mode,
  ])
}

/** The CLI process for a run of `body` in the session, started in the workspace directory `cwd`. */
export function cliSpec(deps: ClaudeDeps, session: SessionRecord, cwd: string, body: ExecuteBody) {
  const args = buildCliArgs({
    input: { mode: 'stream-json' },
    ...(session.cli_session_id ? { resume: session.cli_session_id } : { sessionId: session.id }),
    maxTurns: body.max_turns,
    allowedTools: body.tools,
    permissionMode: body.permission_mode ?? 'default',
    permissionPromptTool: 'stdio',
    model: body.model,
    systemPrompt: body.system_prompt,
    appendSystemPrompt: body.append_system_prompt,
  })
  const env = cliEnv(deps.env, deps.config.claudeEnvAllowList, {
    bypassPermissions: body.permission_mode === 'bypassPermissions',
  })
  // the session owner's home: every participant continues the one transcript, which --resume finds there
  env.HOME = prepareHome(deps.config.dataDir, session.owner_id, serverLogin(deps.env), deps.sandbox.mode === 'bwrap')
  // a shared config dir would put every user's transcripts back in one place
  delete env.CLAUDE_CONFIG_DIR
  return { bin: deps.claudeBin() ?? 'claude', args, cwd, env }
}
