// How the agent recognises what it created, so it never touches anything else.

/** First line of every file the agent writes; a file without it is never overwritten. */
export const MANAGED_HEADER = '# Managed by eni-agent';

/**
 * Route protocol number the agent tags its routes with (`proto 73`). Unassigned in
 * /etc/iproute2/rt_protos, so it marks our routes without colliding with routing daemons.
 */
export const ROUTE_PROTOCOL = 73;

/** Highest interface index the agent assigns; bounds the table and priority ranges it owns. */
export const MAX_NIC_INDEX = 255;

/** True when `content` starts with the managed header (comment lines before it are not allowed). */
export function isManagedContent(content: string): boolean {
  return content.startsWith(MANAGED_HEADER);
}
