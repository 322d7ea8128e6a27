import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { labToken } from './api'
import './styles/tokens.css'
import './styles/base.css'

// Browser mode: move the token out of the address bar into sessionStorage before anything
// else reads the address (see api/token.ts). A no-op in the desktop app.
if (!window.lab) labToken()

createApp(App).use(createPinia()).mount('#app')
