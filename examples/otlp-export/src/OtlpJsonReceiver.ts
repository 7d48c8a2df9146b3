import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What arrived for one span name. */
export interface ArrivedName {
  spans: number;
  /** Sum of `ferret.weight` over the name's root spans: the estimated calls. */
  estimatedCalls: number;
  /** Latest cumulative value of `ferret.calls{span.name}`: the exact calls. */
  exactCalls: number;
}

interface JsonKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number };
}

/**
 * A stand-in for an OpenTelemetry Collector: accepts OTLP/JSON traces (`/v1/traces`) and metrics
 * (`/v1/metrics`) on 127.0.0.1 and keeps a summary per span name. Bodies are bounded (16 MiB).
 */
export class OtlpJsonReceiver {
  readonly byName = new Map<string, ArrivedName>();
  traceRequests = 0;
  metricRequests = 0;
  serviceNames = new Set<string>();
  scopes = new Set<string>();
  readonly #server: Server;

  constructor() {
    this.#server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > 16 * 1024 * 1024) {
          res.writeHead(413).end();
          return;
        }
        chunks.push(chunk as Buffer);
      }
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (req.url === '/v1/traces') this.#traces(body);
        else if (req.url === '/v1/metrics') this.#metrics(body);
        else {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  }

  async listen(): Promise<string> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): void {
    this.#server.closeAllConnections();
    this.#server.close();
  }

  #entry(name: string): ArrivedName {
    let entry = this.byName.get(name);
    if (entry === undefined) {
      entry = { spans: 0, estimatedCalls: 0, exactCalls: 0 };
      this.byName.set(name, entry);
    }
    return entry;
  }

  // biome-ignore lint/suspicious/noExplicitAny: OTLP/JSON read field by field below
  #traces(body: any): void {
    this.traceRequests++;
    for (const rs of body.resourceSpans ?? []) {
      const service = attribute(rs.resource?.attributes, 'service.name');
      if (typeof service === 'string') this.serviceNames.add(service);
      for (const ss of rs.scopeSpans ?? []) {
        if (typeof ss.scope?.name === 'string') this.scopes.add(ss.scope.name);
        for (const span of ss.spans ?? []) {
          const entry = this.#entry(String(span.name));
          entry.spans++;
          if (!span.parentSpanId) {
            const weight = attribute(span.attributes, 'ferret.weight');
            entry.estimatedCalls += typeof weight === 'number' ? weight : 1;
          }
        }
      }
    }
  }

  // biome-ignore lint/suspicious/noExplicitAny: OTLP/JSON read field by field below
  #metrics(body: any): void {
    this.metricRequests++;
    for (const rm of body.resourceMetrics ?? []) {
      for (const sm of rm.scopeMetrics ?? []) {
        for (const metric of sm.metrics ?? []) {
          if (metric.name !== 'ferret.calls') continue;
          for (const point of metric.sum?.dataPoints ?? []) {
            const name = attribute(point.attributes, 'span.name');
            if (typeof name === 'string')
              this.#entry(name).exactCalls = Number(point.asInt ?? point.asDouble ?? 0);
          }
        }
      }
    }
  }
}

function attribute(list: JsonKeyValue[] | undefined, key: string): string | number | undefined {
  const value = list?.find((kv) => kv.key === key)?.value;
  if (value === undefined) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.doubleValue;
}
