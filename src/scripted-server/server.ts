import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HTML_PAGE, streamAnswer, wholeAnswer } from './answer.js';
import { Together } from './together.js';
import { dialects, LOADING_MESSAGE, unknownModelMessage, type Dialect } from './dialects.js';
import { sendError, sendJson } from './http-error.js';
import { jsonParseErrorMessage } from './llama-wire.js';
import { now, sleep, Slots, type Latency } from './latency.js';
import { planReply } from './render.js';
import { bytesSent, fileAnswer, fileReplyChars } from './file-reply.js';
import { loadScript, loadScripts, ReplyPicker, type Fault, type FaultKind, type Script } from './script.js';
import { contextOverflow, contextRoute, modelFields } from './context.js';
import { CostModel, type CostModelOptions, type CostStats } from './cost-model.js';
import { imagesProblem, requestImages, type SeenImage } from './images.js';

export interface ScriptedServerOptions {
  /** The script itself, or the path of a JSON script file, or several files served as one (loadScripts). */
  script: Script | string | readonly string[];
  dialect: Dialect;
  host?: string;
  /** 0 (the default) picks any free port. */
  port?: number;
  /** Simulated model loading time after start (see each dialect for how loading shows). */
  loadMs?: number;
  latency?: Latency;
  /** The model served; overrides the script's `model`. Absent in both: any model is accepted. */
  model?: string;
  /** A fault for every request, like the script's own `fault`. */
  fault?: FaultKind | Fault;
  /** Model time instead of `latency`: slots, prefix caches, batched decoding (see cost-model.ts). */
  cost?: CostModelOptions;
}

/** One chat request as the server saw it, for assertions and for the bench's busy fraction. */
export interface RecordedRequest {
  id: number;
  path: string;
  headers: IncomingMessage['headers'];
  /** The x-factory-task header. */
  task?: string;
  /** The parsed JSON body (the raw text when it was not JSON, or llamacpp refused it unparsed while loading). */
  body: unknown;
  stream: boolean;
  /** Index of the reply in the script; -1 the default reply, -2 none fit. */
  replyIndex?: number;
  status?: number;
  fault?: FaultKind;
  promptTokens: number;
  completionTokens: number;
  /** Times in ms since the epoch: arrival, start of service (a slot was free), end. */
  arrivedAt: number;
  startedAt?: number;
  endedAt?: number;
  /** The client went away before the answer was complete (an abort, a watchdog). */
  clientClosed: boolean;
  /** For a reply from a file: the bytes of body written before the answer ended or the client left. */
  bytesSent?: number;
  /** The request's images (`image_url` parts) in order: their PNG sizes, never their bytes. */
  images: SeenImage[];
  /** Why the request was refused for its images (a 400), when it was. */
  imagesRefused?: string;
}

export interface ScriptedServer {
  /** http://host:port */
  url: string;
  /** url + /v1, what an OpenAI client wants. */
  baseURL: string;
  port: number;
  dialect: Dialect;
  requests: RecordedRequest[];
  /** Every request that arrived, whatever its route (`requests` details the chat ones). */
  hits: { method: string; path: string }[];
  /** The cost model's counters (also at `GET /scripted/stats`); undefined without `cost`. */
  costStats(): CostStats | undefined;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (s: string) => (text += s));
    req.on('end', () => resolve(text));
    req.on('error', reject);
    // A client that leaves mid-body never sends the end: settle anyway, the handler then sees it gone.
    req.on('close', () => resolve(text));
  });
}

/**
 * A real OpenAI-compatible HTTP server that answers from a script, in the dialect of one server
 * family, with faults and a latency model on demand. Tests, the demo and the bench use it in
 * place of a model.
 */
export async function startScriptedServer(opts: ScriptedServerOptions): Promise<ScriptedServer> {
  const script = Array.isArray(opts.script)
    ? loadScripts(opts.script)
    : loadScript(opts.script as Script | string);
  const picker = new ReplyPicker(script);
  const together = new Together();
  const traits = dialects[opts.dialect];
  // llama-server names the model file it loaded, whatever the request asked for.
  const served = opts.model ?? script.model ?? traits.llama?.modelPath;
  const loadedAt = now() + (opts.loadMs ?? 0);
  const slots = opts.latency ? new Slots(opts.latency.slots) : undefined;
  const cost = opts.cost ? new CostModel(opts.cost, opts.dialect) : undefined;
  const requests: RecordedRequest[] = [];
  const inflight = new Set<AbortController>();
  const optionFault = {};

  const error = (res: ServerResponse, status: number, message: string) =>
    sendError(res, opts.dialect, status, message);
  const loading = () => now() < loadedAt;

  async function completion(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rec: RecordedRequest = {
      id: requests.length + 1,
      path: req.url ?? '',
      headers: req.headers,
      task: typeof req.headers['x-factory-task'] === 'string' ? req.headers['x-factory-task'] : undefined,
      body: undefined,
      stream: false,
      promptTokens: 0,
      completionTokens: 0,
      arrivedAt: now(),
      clientClosed: false,
      images: [],
    };
    requests.push(rec);
    const life = new AbortController();
    inflight.add(life);
    let holdsSlot = false;
    res.on('close', () => {
      // A connection the server dropped on purpose (a fault) was not closed by the client.
      if (!res.writableFinished && rec.fault !== 'refuse' && rec.fault !== 'cut') rec.clientClosed = true;
      if (rec.startedAt !== undefined && rec.endedAt === undefined) rec.endedAt = now();
      if (holdsSlot) slots?.release();
      holdsSlot = false;
      life.abort();
      inflight.delete(life);
    });
    const origWriteHead = res.writeHead.bind(res);
    res.writeHead = ((status: number, ...rest: never[]) => {
      rec.status = status;
      return origWriteHead(status, ...rest);
    }) as typeof res.writeHead;

    const raw = await readBody(req);
    if (life.signal.aborted) return;
    // llama-server refuses everything while loading, before it even parses the body.
    if (traits.llama?.loadingOnEveryRoute && loading()) {
      rec.body = raw;
      return error(res, 503, LOADING_MESSAGE);
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
      rec.body = body;
    } catch {
      rec.body = raw;
      // llama-server lets nlohmann::json's exception through as a 500.
      if (traits.llama) return error(res, traits.llama.badJsonStatus, jsonParseErrorMessage(raw));
      return error(res, 400, 'request body is not JSON');
    }
    rec.stream = body.stream === true;
    rec.images = requestImages(body.messages);

    let fault = picker.fault(optionFault, opts.fault) ?? picker.serverFault();
    if (fault && immediate(fault, res, rec)) return;

    if (loading()) {
      if (traits.whileLoading === '503') return error(res, 503, LOADING_MESSAGE);
      await sleep(loadedAt - now(), life.signal);
      if (life.signal.aborted) return;
    }
    const asked = typeof body.model === 'string' ? body.model : '';
    const okModel = !served || asked === served || (opts.dialect === 'mlx' && asked === 'default_model');
    if (traits.checksModel && !okModel) {
      return error(res, 404, unknownModelMessage(opts.dialect, asked, served ?? ''));
    }
    if (contextOverflow(res, opts.dialect, script.context, body, traits.headers)) return;

    // A vision server cannot read an image that is not one, whatever the reply.
    const unreadable = imagesProblem({}, rec.images);
    if (unreadable) {
      rec.imagesRefused = unreadable;
      return error(res, 400, unreadable);
    }
    const { reply, index } = picker.pick({
      messages: Array.isArray(body.messages) ? body.messages : [],
      task: rec.task,
      tools: Array.isArray(body.tools) && body.tools.length > 0,
      images: rec.images.length,
    });
    rec.replyIndex = index;
    const wrongImages = reply.images && imagesProblem(reply.images, rec.images);
    if (wrongImages) {
      rec.imagesRefused = wrongImages;
      return error(res, 400, wrongImages);
    }
    fault ??= picker.fault(reply, reply.fault);
    if (fault && immediate(fault, res, rec)) return;
    if (fault) rec.fault = fault.kind;

    const plan = planReply(reply, opts.dialect, body);
    const fromFile = reply.contentFile !== undefined || reply.bodyFile !== undefined;
    if (fromFile && plan.usage && reply.usage?.completion === undefined) {
      // Counted from the file's size: its text is never read whole.
      const completion = Math.ceil((await fileReplyChars(reply)) / 4);
      plan.completionTokens = completion;
      plan.usage = {
        ...plan.usage,
        completion_tokens: completion,
        total_tokens: plan.promptTokens + completion,
      };
    }
    if (cost) {
      const served = await cost.serve(body, plan, life.signal);
      if (!served) return;
      plan.promptTokens = served.promptTokens;
    }
    rec.promptTokens = plan.promptTokens;
    rec.completionTokens = plan.completionTokens;

    if (slots) {
      holdsSlot = await slots.acquire(life.signal);
      if (!holdsSlot) return;
    }
    if (reply.together && !(await together.gather(reply.together, life.signal))) return;
    rec.startedAt = now();
    const answer = {
      res,
      dialect: opts.dialect,
      plan,
      model: served ?? (asked || 'scripted-model'),
      fault,
      prefillMs: opts.latency ? (plan.promptTokens / opts.latency.prefillTps) * 1000 : 0,
      decodeTps: reply.tps ?? opts.latency?.decodeTps,
      includeUsage: (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true,
      life: life.signal,
    };
    const streamed = rec.stream && reply.stream !== false;
    if (fromFile) {
      await fileAnswer(answer, reply, streamed).finally(() => (rec.bytesSent = bytesSent.get(res) ?? 0));
    } else await (streamed ? streamAnswer(answer) : wholeAnswer(answer));
  }

  /** Faults that replace the answer outright; true when one was applied. */
  function immediate(fault: Fault, res: ServerResponse, rec: RecordedRequest): boolean {
    if (fault.kind === 'refuse') {
      rec.fault = 'refuse';
      res.socket?.destroy();
      return true;
    }
    if (fault.kind === 'status' || fault.kind === 'loading') {
      rec.fault = fault.kind;
      const status = fault.kind === 'loading' ? 503 : (fault.status ?? 500);
      error(
        res,
        status,
        fault.message ?? (fault.kind === 'loading' ? LOADING_MESSAGE : http.STATUS_CODES[status]!),
      );
      return true;
    }
    if (fault.kind === 'not-sse') {
      rec.fault = 'not-sse';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(HTML_PAGE);
      return true;
    }
    return false;
  }

  function route(req: IncomingMessage, res: ServerResponse): void {
    res.on('error', () => {});
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      completion(req, res).catch((e: unknown) => {
        if (!res.headersSent) error(res, 500, e instanceof Error ? e.message : String(e));
        else res.destroy();
      });
      return;
    }
    if (traits.llama?.loadingOnEveryRoute && loading()) {
      // Refused before routing, once the request has been read, like llama-server's middleware.
      req.resume();
      req.on('end', () => error(res, 503, LOADING_MESSAGE));
      return;
    }
    if (cost?.route(req, res, path, traits.headers)) return;
    if (req.method === 'GET' && path === '/health') {
      if (loading() && traits.whileLoading === '503') return error(res, 503, LOADING_MESSAGE);
      return sendJson(res, 200, { status: 'ok' }, traits.headers);
    }
    if (req.method === 'GET' && path === '/v1/models') {
      const data = [
        {
          id: served ?? 'scripted-model',
          object: 'model',
          created: 0,
          owned_by: 'factory-tests',
          ...modelFields(opts.dialect, script.context),
        },
      ];
      return sendJson(res, 200, { object: 'list', data }, traits.headers);
    }
    const context = { dialect: opts.dialect, setting: script.context, headers: traits.headers };
    if (contextRoute(req, res, path, () => readBody(req), { ...context, model: served ?? 'scripted-model' }))
      return;
    error(res, 404, traits.llama ? 'File Not Found' : `no route for ${req.method} ${path}`);
  }

  const server = http.createServer(route);
  // Latency-sensitive benches: every chunk should leave at once.
  server.on('connection', (socket) => socket.setNoDelay(true));
  const hits: ScriptedServer['hits'] = [];
  server.on('request', (req: IncomingMessage) =>
    hits.push({ method: req.method ?? '', path: req.url ?? '' }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host && !['0.0.0.0', '::'].includes(opts.host) ? opts.host : '127.0.0.1';
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url,
    baseURL: `${url}/v1`,
    port,
    dialect: opts.dialect,
    requests,
    hits,
    costStats: () => cost?.stats(),
    close: async () => {
      for (const life of inflight) life.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
