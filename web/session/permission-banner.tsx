// The banner above the prompt box while Claude waits: the tool's action, a question's options or a plan; answers.
import { useEffect, useRef, useState } from 'preact/hooks'
import type { PermissionAnswer } from '../../src/modules/permissions/model.ts'
import { Markdown } from '../lazy/markdown.tsx'
import { EDITS, EditDiff } from './cards.tsx'
import { type PermissionRequest, toolDetail } from './requests.ts'

export type Answer = (requestId: string, body: PermissionAnswer) => Promise<void>
interface Props {
  r: PermissionRequest
  can: boolean
  answer: Answer
}

/** Keys that belong to whatever has the focus (typing, a focused button) are left alone. */
function ownKey(e: KeyboardEvent): boolean {
  const t = e.target as HTMLElement | null
  return !!t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON|A|SUMMARY)$/.test(t.tagName))
}

/** Enter takes the main action, Esc opens the deny form, anywhere on the page that is not an input or a button. */
function useKeys(enabled: boolean, main: () => void, deny: () => void): void {
  useEffect(() => {
    if (!enabled) return
    const onKey = (e: KeyboardEvent) => {
      if (ownKey(e) || e.defaultPrevented || e.isComposing) return
      if (e.key === 'Enter') main()
      else if (e.key === 'Escape') deny()
      else return
      e.preventDefault()
    }
    addEventListener('keydown', onKey)
    return () => removeEventListener('keydown', onKey)
  }, [enabled, main, deny])
}

function DenyForm({
  label,
  action,
  send,
  back,
}: {
  label: string
  action: string
  send: (message: string) => void
  back: () => void
}) {
  const [text, setText] = useState('')
  const ref = useRef<HTMLTextAreaElement>(null)
  useEffect(() => ref.current?.focus(), [])
  return (
    <form class="deny" onSubmit={(e) => (e.preventDefault(), send(text.trim()))}>
      <label>
        {label}
        <textarea
          ref={ref}
          rows={2}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') back()
            else if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) e.preventDefault(), send(text.trim())
          }}
        />
      </label>
      <div class="actions">
        <button type="submit" class="danger">
          {action}
        </button>
        <button type="button" onClick={back}>
          Back
        </button>
      </div>
    </form>
  )
}

function ToolBody({ r }: { r: PermissionRequest }) {
  const i = r.input as Record<string, any>
  if (r.tool_name === 'Bash') return <pre class="cmd">$ {String(i.command ?? '')}</pre>
  if (EDITS.has(r.tool_name)) return <EditDiff name={r.tool_name} input={i} />
  return <pre class="out">{JSON.stringify(i, null, 2)}</pre>
}

function ToolRequest({ r, can, answer }: Props) {
  const [denying, setDenying] = useState(false)
  const allow = () => void answer(r.request_id, { decision: 'allow' })
  const openDeny = () => setDenying(true)
  useKeys(can && !denying, allow, openDeny)
  const what = r.title ?? r.description
  const target = r.tool_name === 'Bash' ? '' : toolDetail(r.input)
  return (
    <>
      <header>
        <strong>Claude wants to use {r.display_name || r.tool_name}</strong>
        {target && (
          <>
            {' '}
            <code>{target}</code>
          </>
        )}
        {what && what !== target && <span class="muted"> {what}</span>}
      </header>
      <ToolBody r={r} />
      {can && !denying && (
        <div class="actions">
          <button type="button" class="primary" onClick={allow}>
            Allow
          </button>
          <button type="button" onClick={() => void answer(r.request_id, { decision: 'allow', scope: 'session' })}>
            Allow for this session
          </button>
          <button type="button" onClick={openDeny}>
            Deny
          </button>
          <span class="hint keys">Enter allows, Esc denies</span>
        </div>
      )}
      {can && denying && (
        <DenyForm
          label="Message to Claude (optional)"
          action="Deny"
          back={() => setDenying(false)}
          send={(message) => void answer(r.request_id, { decision: 'deny', ...(message ? { message } : {}) })}
        />
      )}
    </>
  )
}

interface Question {
  question: string
  header?: string
  options: { label: string; description?: string }[]
  multiSelect?: boolean
}

function QuestionRequest({ r, can, answer }: Props) {
  const questions = (r.questions ?? []) as Question[]
  const [chosen, setChosen] = useState<Record<string, string[]>>({})
  const instant = questions.length === 1 && !questions[0]!.multiSelect
  const pick = (q: Question, label: string) => {
    if (instant) return void answer(r.request_id, { decision: 'allow', answers: { [q.question]: label } })
    const now = chosen[q.question] ?? []
    const next = q.multiSelect ? (now.includes(label) ? now.filter((l) => l !== label) : [...now, label]) : [label]
    setChosen({ ...chosen, [q.question]: next })
  }
  const complete = questions.every((q) => chosen[q.question]?.length)
  return (
    <>
      <header>
        <strong>Claude asks</strong>
      </header>
      {questions.map((q) => (
        <fieldset key={q.question} class="question">
          <legend>
            {q.header && <span class="badge">{q.header}</span>} {q.question}
            {q.multiSelect && <span class="muted"> (choose any)</span>}
          </legend>
          <div class="options">
            {q.options.map((o) => (
              <button
                key={o.label}
                type="button"
                disabled={!can}
                aria-pressed={instant ? undefined : (chosen[q.question] ?? []).includes(o.label)}
                title={o.description}
                onClick={() => pick(q, o.label)}
              >
                {o.label}
                {o.description && <span class="muted"> · {o.description}</span>}
              </button>
            ))}
          </div>
        </fieldset>
      ))}
      {can && !instant && (
        <div class="actions">
          <button
            type="button"
            class="primary"
            disabled={!complete}
            onClick={() => void answer(r.request_id, { decision: 'allow', answers: chosen })}
          >
            Send answers
          </button>
        </div>
      )}
    </>
  )
}

function PlanRequest({ r, can, answer }: Props) {
  const [revising, setRevising] = useState(false)
  const approve = () => void answer(r.request_id, { decision: 'allow' })
  const keep = () => setRevising(true)
  useKeys(can && !revising, approve, keep)
  return (
    <>
      <header>
        <strong>Claude has a plan</strong>
      </header>
      <div class="plan">
        <Markdown text={r.plan ?? String((r.input as { plan?: unknown }).plan ?? '')} />
      </div>
      {can && !revising && (
        <div class="actions">
          <button type="button" class="primary" onClick={approve}>
            Approve
          </button>
          <button type="button" onClick={keep}>
            Keep planning
          </button>
        </div>
      )}
      {can && revising && (
        <DenyForm
          label="Feedback for Claude (optional)"
          action="Keep planning"
          back={() => setRevising(false)}
          send={(message) => void answer(r.request_id, { decision: 'deny', ...(message ? { message } : {}) })}
        />
      )}
    </>
  )
}

/** The oldest pending request (others wait their turn); viewers see it without buttons. */
export function PermissionBanner({
  pending,
  role,
  answer,
  error,
}: {
  pending: PermissionRequest[]
  role: string
  answer: Answer
  error: string | null
}) {
  const r = pending[0]
  if (!r)
    return error ? (
      <p class="form-error answer-error" role="alert">
        {error}
      </p>
    ) : null
  const can = r.can_answer.includes(role)
  const Body = r.kind === 'question' ? QuestionRequest : r.kind === 'plan' ? PlanRequest : ToolRequest
  return (
    <section class="permission" aria-label="Claude is waiting for an answer" data-kind={r.kind}>
      {pending.length > 1 && <p class="hint">1 of {pending.length} waiting</p>}
      <Body key={r.request_id} r={r} can={can} answer={answer} />
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
      {!can && <p class="hint">Waiting for {r.can_answer.join(' or ')} to answer.</p>}
    </section>
  )
}
