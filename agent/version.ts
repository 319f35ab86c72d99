/** The agent's version, as reported by `GET /v1/agent`, the node record and `grapevine --version`. */
export const VERSION = '0.1.0'
