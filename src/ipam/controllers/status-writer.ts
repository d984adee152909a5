// Status written by the server's own controllers: through the store's /status update path
// (admission, generation rules and optimistic concurrency as for any client), only when
// it differs from what the object shows, and never onto a namesake created meanwhile.
import { jsonEqual, type KubeObject } from '../../api/object.js';
import { isApiError } from '../../meta/status.js';
import type { ResourceStore } from '../../registry/resource-store.js';

/**
 * Writes the status `compute` gives for the object as stored (it is handed the status the
 * object has, to keep transition times). `seen` is the object as the caller last saw it:
 * when its status already is the one computed, nothing is read or written.
 */
export async function writeStatus(
  store: ResourceStore,
  seen: KubeObject,
  compute: (current: Record<string, unknown> | undefined) => Record<string, unknown>,
  fieldManager: string,
): Promise<void> {
  const currentStatus = seen.status as Record<string, unknown> | undefined;
  if (jsonEqual(compute(currentStatus), currentStatus)) return;
  try {
    await store.update(
      {
        namespace: seen.metadata.namespace,
        name: seen.metadata.name!,
        subresource: 'status',
        retryOnConflict: true,
        mutate: (current) => {
          if (current.metadata.uid !== seen.metadata.uid) return current;
          return { ...current, status: compute(current.status as Record<string, unknown> | undefined) };
        },
      },
      { fieldManager },
    );
  } catch (err) {
    // Deleted meanwhile: there is no status left to keep.
    if (!(isApiError(err) && err.status.code === 404)) throw err;
  }
}
