// One transcript item: prompts with their sender, streamed markdown, tool cards with raw events, quiet notes.
import { relativeTo } from '../lib/format.ts'
import type { Item, ToolItem } from './transcript.ts'
import { Diff, Markdown } from '../lazy/markdown.tsx'

type Rel = (path: string) => string
const asIs: Rel = (p) => p

const ONE_LINE: Record<string, (i: Record<string, any>, rel: Rel) => string> = {
  Read: (i, rel) => rel(i.file_path),
  Task: (i) => i.description,
  Glob: (i) => i.pattern,
  LS: (i, rel) => rel(i.path),
  Grep: (i, rel) => `${i.pattern}${i.path ? ` in ${rel(i.path)}` : ''}`,
  WebFetch: (i) => i.url,
  WebSearch: (i) => i.query,
}

export const EDITS = new Set(['Write', 'Edit', 'MultiEdit'])

/**
 * Write (a new file: all added), Edit and MultiEdit as a unified diff: the tool cards and the permission banner share
 * it.
 */
export function EditDiff({ name, input: i }: { name: string; input: Record<string, any> }) {
  if (name === 'Write') return <Diff path={i.file_path} before="" after={i.content ?? ''} />
  if (name === 'Edit') return <Diff path={i.file_path} before={i.old_string ?? ''} after={i.new_string ?? ''} />
  return (
    <>
      {(i.edits ?? []).map((e: any, n: number) => (
        <Diff key={n} path={i.file_path} before={e.old_string ?? ''} after={e.new_string ?? ''} />
      ))}
    </>
  )
}

/** A path (or a line holding one) as the reader wants it, relative, with the full text on hover. */
function Shown({ full, short }: { full: string; short: string }) {
  return <code title={short === full ? undefined : full}>{short}</code>
}

function Raw({ value, label }: { value: unknown; label: string }) {
  return (
    <details class="raw">
      <summary>{label}</summary>
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </details>
  )
}

function ToolBody({ item }: { item: ToolItem }) {
  const i = item.input
  const result = item.result.value
  if (item.name === 'Bash') {
    const out = result?.text ?? ''
    const lines = out.split('\n')
    return (
      <>
        <pre class="cmd">$ {i.command}</pre>
        {result && !result.isError && <pre class="out">{lines.slice(-6).join('\n')}</pre>}
        {result && lines.length > 6 && (
          <details class="more">
            <summary>Full output ({lines.length} lines)</summary>
            <pre class="out">{out}</pre>
          </details>
        )}
      </>
    )
  }
  if (EDITS.has(item.name)) return <EditDiff name={item.name} input={i} />
  if (item.name === 'TodoWrite') {
    return (
      <ul class="todos">
        {(i.todos ?? []).map((t: any, n: number) => (
          <li key={n} class={t.status}>
            <input type="checkbox" checked={t.status === 'completed'} disabled aria-label={t.status} /> {t.content}
          </li>
        ))}
      </ul>
    )
  }
  return <pre class="out">{JSON.stringify(i, null, 2)}</pre>
}

/** The CLI wraps a refused tool call's message in this tag; the card shows the message (the raw event keeps it). */
const TOOL_ERROR = /^\s*<tool_use_error>([\s\S]*)<\/tool_use_error>\s*$/

/** The Task's prompt and its sub-agent's own transcript, collapsed: the main conversation stays readable. */
function SubAgent({ item }: { item: ToolItem }) {
  const steps = item.children.value
  return (
    <details class="subagent">
      <summary>
        {item.input.subagent_type ? `${item.input.subagent_type} sub-agent` : 'Sub-agent'} · {steps.length} step
        {steps.length === 1 ? '' : 's'}
      </summary>
      {item.input.prompt && <p class="muted">{item.input.prompt}</p>}
      <div class="subagent-items">
        {steps.map((s) => (
          <TranscriptItem key={s.key} item={s} />
        ))}
      </div>
    </details>
  )
}

function ToolCard({ item }: { item: ToolItem }) {
  const result = item.result.value
  const line = ONE_LINE[item.name]?.(item.input, (p) => relativeTo(String(p ?? ''), item.cwd))
  const edited = EDITS.has(item.name) ? String(item.input.file_path ?? '') : ''
  const failed = result?.isError === true
  return (
    <article class={`card tool${failed ? ' error' : ''}`} data-tool={item.name} aria-label={`${item.name} tool call`}>
      <header>
        <strong>{item.name}</strong>{' '}
        {line && <Shown full={ONE_LINE[item.name]?.(item.input, asIs) ?? line} short={line} />}
        {edited && <Shown full={edited} short={relativeTo(edited, item.cwd)} />}
        {!result && (
          <span class="pending" title="running">
            …
          </span>
        )}
      </header>
      {!line && item.name !== 'Task' && <ToolBody item={item} />}
      {item.name === 'Task' && <SubAgent item={item} />}
      {failed && (
        <pre class="out err" role="alert">
          {result.text.replace(TOOL_ERROR, '$1')}
        </pre>
      )}
      <Raw value={result ? [item.raw, result.raw] : item.raw} label="Raw event" />
    </article>
  )
}

export function TranscriptItem({ item }: { item: Item }) {
  switch (item.kind) {
    case 'prompt':
      return (
        <article class="prompt" aria-label={`Prompt from ${item.username}`}>
          <header>
            <strong class="who">{item.username}</strong>{' '}
            <time dateTime={item.at}>{new Date(item.at).toLocaleTimeString()}</time>
            {item.files > 0 && <span class="badge">{item.files} file(s)</span>}
          </header>
          <div class="body">{item.text}</div>
        </article>
      )
    case 'text':
      return (
        <article class="assistant" aria-label="Claude">
          <Markdown text={item.text.value} />
        </article>
      )
    case 'tool':
      return <ToolCard item={item} />
    case 'decision': {
      const d = item.decision
      return (
        <p class="note decision">
          <strong>{d.who}</strong> {d.verb}
          {d.tool && ` ${d.tool}`}
          {d.detail && (
            <>
              {' '}
              <Shown full={d.detail} short={relativeTo(d.detail, item.cwd)} />
            </>
          )}
          {d.message && `: ${d.message}`}
        </p>
      )
    }
    case 'note':
      return <p class={`note ${item.tone}`}>{item.text}</p>
  }
}
