// Browser entry: styles, the stored sign-in tried once, then the app.
import { render } from 'preact'
import { App } from './app.tsx'
import { restore } from './lib/auth.ts'
import './styles.css'

void restore()
render(<App />, document.getElementById('app')!)
