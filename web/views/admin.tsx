// Admin screen: the users (create; role, enable/disable, password reset, delete per row) and the server's numbers.
import { useEffect, useState } from 'preact/hooks'
import { api, me } from '../lib/auth.ts'
import type { User } from '../lib/types.ts'
import { field, FormError, useAction } from './forms.tsx'
import { ServerStats } from './server-stats.tsx'
import { UserRow } from './user-row.tsx'

export function Admin() {
  const [users, setUsers] = useState<User[]>([])
  const load = async () => setUsers((await api<{ users: User[] }>('/api/v1/users?limit=500')).users)
  const list = useAction(load)
  useEffect(() => void list.run(), [])
  const create = useAction(async (username: string, password: string, role: string) => {
    await api('/api/v1/users', { body: { username, password, role } })
    await load()
  })
  if (me.value?.role !== 'admin')
    return (
      <section class="page">
        <h1>Admin</h1>
        <p>Only admins can manage users.</p>
      </section>
    )
  return (
    <section class="page" aria-labelledby="admin-h">
      <h1 id="admin-h">Users</h1>
      <FormError error={list.error} />
      <table class="users">
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Role</th>
            <th scope="col">State</th>
            <th scope="col">
              <span class="sr">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <UserRow key={u.id} u={u} changed={load} />
          ))}
        </tbody>
      </table>
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault()
          const form = e.currentTarget
          void create.run(field(e, 'username'), field(e, 'password'), field(e, 'role')).then((ok) => ok && form.reset())
        }}
      >
        <h2>New user</h2>
        <label>
          Username <input name="username" required autocomplete="off" />
        </label>
        <label>
          Password <input name="password" type="password" minLength={8} required autocomplete="new-password" />
        </label>
        <label>
          Role{' '}
          <select name="role">
            <option value="user">user</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <FormError error={create.error} />
        <button type="submit" class="primary" disabled={create.busy}>
          Create user
        </button>
      </form>
      <ServerStats />
    </section>
  )
}
