// How a permission request ends when cchub, not a person, decides it, and the error for an answer that came late.
import { AppError } from '../../core/errors.ts'
import { iso } from '../../core/iso.ts'
import type { PermissionRecord, PermissionStatus } from '../../store/records.ts'
import type { Store } from '../../store/store.ts'

export type Outcome = Parameters<Store['permissions']['settle']>[1]

export const byCchub = (status: PermissionStatus, message: string, at: number): Outcome => ({
  status,
  scope: null,
  response: null,
  message,
  decided_by: null,
  decided_by_name: 'cchub',
  decided_at: at,
})

/** Denied by cchub, with a deny response the CLI is given (policy refusal, timeout). */
export const deniedByCchub = (status: PermissionStatus, message: string, at: number): Outcome => ({
  ...byCchub(status, message, at),
  response: { behavior: 'deny', message },
})

export function alreadyResolved(p: PermissionRecord): AppError {
  const who = p.decided_by_name ?? 'cchub'
  const when = p.decided_at ? iso(p.decided_at) : 'earlier'
  return new AppError(
    'ALREADY_RESOLVED',
    409,
    `This request was already ${p.status.replace('_', ' ')} by ${who} at ${when}`,
    {
      details: {
        request_id: p.id,
        status: p.status,
        decided_by: p.decided_by,
        decided_by_name: who,
        decided_at: p.decided_at ? when : null,
      },
    },
  )
}
