// WebSocket messages of the permission relay: permission_response, set_permission_mode and set_model.
import type { Dispatcher } from '../realtime/dispatcher.ts'
import { currentUser } from '../collab/ws-handlers.ts'
import type { SessionControls } from './controls.ts'
import { PermissionResponseMessage, SetModelMessage, SetPermissionModeMessage } from './model.ts'
import type { PermissionService } from './service.ts'

export function registerPermissionHandlers(
  d: Dispatcher,
  permissions: PermissionService,
  controls: SessionControls,
): void {
  d.on('permission_response', PermissionResponseMessage, async (msg, { conn, auth }) => {
    const { request_id, ...answer } = msg.data
    return {
      action: 'permission_response',
      request: await permissions.answer(await currentUser(conn, auth), request_id, answer),
    }
  })
  d.on('set_permission_mode', SetPermissionModeMessage, async (msg, { conn, auth }) => {
    return {
      action: 'set_permission_mode',
      ...(await controls.setPermissionMode(await currentUser(conn, auth), msg.data.session_id, msg.data.mode)),
    }
  })
  d.on('set_model', SetModelMessage, async (msg, { conn, auth }) => {
    return {
      action: 'set_model',
      ...(await controls.setModel(await currentUser(conn, auth), msg.data.session_id, msg.data.model)),
    }
  })
}
