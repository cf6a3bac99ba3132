/** A run handed to this worker by `claimRuns`. Times are RFC 3339 strings as the API sends them. */
export interface ClaimedRunInfo {
  id: string;
  taskId: string;
  script: string;
  scheduledFor: string;
  try: number;
  deadline: string | null;
  /** Go duration text of the task's timeout. */
  timeout: string | null;
  leaseExpiresAt: string;
}

export interface LeaseInfo {
  leaseExpiresAt: string;
  cancelRequested: boolean;
}

export type WorkerOutcome = 'SUCCESS' | 'FAILED' | 'CANCELED';

/** A refusal: a typed error member of a worker mutation's result (`NotFoundError`: the run is no longer ours), or a bad token. */
export class WorkerApiError extends Error {
  override name = 'WorkerApiError';
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(`${kind}: ${message}`);
  }
}

const CLAIM = `mutation ($queue: String, $max: Int, $leaseSeconds: Int, $workerId: String) {
  claimRuns(queue: $queue, max: $max, leaseSeconds: $leaseSeconds, workerId: $workerId) {
    __typename ... on Error { message }
    ... on ClaimRunsSuccess { data { id taskId script scheduledFor try deadline timeout leaseExpiresAt } } } }`;
const HEARTBEAT = `mutation ($runId: ID!, $leaseSeconds: Int, $workerId: String) {
  heartbeat(runId: $runId, leaseSeconds: $leaseSeconds, workerId: $workerId) {
    __typename ... on Error { message } ... on HeartbeatSuccess { data { leaseExpiresAt cancelRequested } } } }`;
const ADD_LOG = `mutation ($runId: ID!, $message: String!, $workerId: String) {
  addRunLog(runId: $runId, message: $message, workerId: $workerId) { __typename ... on Error { message } } }`;
const FINISH = `mutation ($runId: ID!, $outcome: RunOutcome!, $error: String, $workerId: String) {
  finishRun(runId: $runId, outcome: $outcome, error: $error, workerId: $workerId) { __typename ... on Error { message } } }`;

interface Payload {
  __typename: string;
  message?: string;
  data?: unknown;
}

/** The worker mutations over plain HTTP POSTs. */
export class WorkerClient {
  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly workerId: string | null = null,
  ) {}

  claimRuns(queue: string, max: number, leaseSeconds: number): Promise<ClaimedRunInfo[]> {
    return this.call('claimRuns', CLAIM, { queue, max, leaseSeconds }) as Promise<ClaimedRunInfo[]>;
  }

  heartbeat(runId: string, leaseSeconds: number): Promise<LeaseInfo> {
    return this.call('heartbeat', HEARTBEAT, { runId, leaseSeconds }) as Promise<LeaseInfo>;
  }

  async addRunLog(runId: string, message: string): Promise<void> {
    await this.call('addRunLog', ADD_LOG, { runId, message });
  }

  async finishRun(runId: string, outcome: WorkerOutcome, error?: string): Promise<void> {
    await this.call('finishRun', FINISH, { runId, outcome, error });
  }

  private async call(field: string, query: string, variables: Record<string, unknown>): Promise<unknown> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables: { ...variables, workerId: this.workerId } }),
    });
    const body = (await res.json().catch(() => ({}))) as { data?: Record<string, Payload>; errors?: { message: string }[] };
    if (res.status === 401) throw new WorkerApiError('Unauthenticated', body.errors?.[0]?.message ?? 'no valid token');
    const payload = body.data?.[field];
    if (!payload) throw new Error(`${field}: HTTP ${res.status}: ${body.errors?.map((e) => e.message).join('; ') ?? 'no data'}`);
    if (payload.__typename.endsWith('Success')) return payload.data;
    throw new WorkerApiError(payload.__typename, payload.message ?? '');
  }
}
