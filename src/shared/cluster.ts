// How many nodes a cluster may have, from its spec (no zod here: the renderer's first chunk
// reads it).

/**
 * Every node that may exist, n1..n(clusterSize): cluster.maxNodes when set (nodes past
 * cluster.nodes start when a membership fault adds them), else cluster.nodes.
 */
export function clusterSize(cluster: { nodes: number; maxNodes?: number }): number {
  return Math.max(cluster.nodes, cluster.maxNodes ?? cluster.nodes)
}
