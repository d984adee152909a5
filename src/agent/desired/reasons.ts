// Problem reasons the agent finds itself, before rendering (the renderer's are
// ProblemReason in desired-state.ts). They become Accepted=False reasons in status.
export const AgentReason = {
  /** routerRef names no BGPRouter of the namespace, or routerSelector selects none. */
  RouterNotFound: 'RouterNotFound',
  /** routerSelector cannot be parsed (e.g. an unknown operator). */
  InvalidRouterSelector: 'InvalidRouterSelector',
  /** authSecretRef: the Secret, its `password` key, or the Secret API itself is missing. */
  SecretNotFound: 'SecretNotFound',
} as const;
