import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../server/logger.js';
import type { Metrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

async function serveMetrics(metrics: Metrics, req: IncomingMessage, res: ServerResponse, log: Logger): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  try {
    const body = await metrics.text();
    res.writeHead(200, { 'content-type': metrics.contentType }).end(req.method === 'HEAD' ? undefined : body);
  } catch (err) {
    log.error({ err }, 'metrics: scrape failed');
    res.writeHead(500).end();
  }
}

/** Prometheus scrapes GET /metrics; every other request goes on to `next`. */
export function withMetricsEndpoint(metrics: Metrics, log: Logger, next: RequestListener): RequestListener {
  return (req, res) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== METRICS_PATH) return next(req, res);
    void serveMetrics(metrics, req, res, log);
  };
}
