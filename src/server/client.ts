// One connection: its socket, its request parser and its session state (protocol version, name,
// authentication), which is the Session the commands see. Commands from one 'data' event run back
// to back and their replies leave in one socket write. It reaches the server through ClientHost
// (server.ts implements it), never through server.ts itself.

import type { Socket } from 'node:net';
import type { LateReply } from './command.js';
import type { ServerContext, Session } from './context.js';
import type { Pipeline } from './fast.js';
import { ProtocolError, QueryBufferOverflow, RequestParser, type Command } from './resp.js';
import type { ReplyWriter } from './reply.js';

/** What a connection needs of its server, beyond what its commands see. */
export interface ClientHost extends ServerContext {
  /** The reply buffer shared by all clients (each batch empties it). */
  readonly out: ReplyWriter;
  /** Pipelined GETs and SETs queued to run together (fast.ts), shared too: each batch runs it empty. */
  readonly pipeline: Pipeline;
  /** Runs the command in `c.cmd`; a promise only for commands that wait. */
  execute(c: Client): Promise<LateReply> | undefined;
  /** The connection closed. */
  forget(c: Client): void;
}

export class Client implements Session {
  readonly id: number;
  readonly parser: RequestParser;
  readonly cmd: Command;
  /** The server's shared reply buffer (emptied into this socket at the end of each batch). */
  readonly out: ReplyWriter;
  readonly createdAt = Date.now();
  lastActive = Date.now();
  name = '';
  libName = '';
  libVer = '';
  resp: 2 | 3 = 2;
  db = 0;
  /** Name of the last command run (CLIENT INFO's cmd=). */
  lastCommand = 'NULL';
  /** Set by QUIT and protocol errors: the connection closes once its replies are sent. */
  closing = false;
  private waiting = false; // a command's reply is pending (see LateReply)
  private paused = false; // the socket is not draining: stop reading

  constructor(
    readonly server: ClientHost,
    readonly socket: Socket,
    id: number,
  ) {
    this.id = id;
    this.out = server.out;
    this.parser = new RequestParser(server.limits);
    this.parser.authenticated = server.config.requirepass === '';
    this.cmd = this.parser.cmd;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => server.forget(this));
  }

  get authenticated(): boolean {
    return this.parser.authenticated;
  }

  set authenticated(v: boolean) {
    this.parser.authenticated = v;
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    this.lastActive = Date.now();
    try {
      this.parser.feed(chunk);
    } catch (e) {
      if (!(e instanceof QueryBufferOverflow)) throw e;
      this.socket.destroy(); // Redis closes such a client without a reply
      return;
    }
    this.run();
  }

  /**
   * Runs every complete command received so far, then sends the replies in one write. GETs and
   * SETs are queued while they follow each other and run before any other command (fast.ts).
   */
  private run(): void {
    const out = this.out;
    out.resp = this.resp;
    const server = this.server;
    const pipeline = server.pipeline;
    try {
      while (!this.closing && !this.waiting && this.parser.next()) {
        if (pipeline.add(this)) continue;
        pipeline.run(this);
        const late = server.execute(this);
        if (late !== undefined) this.wait(late);
        out.resp = this.resp; // HELLO may have switched it
      }
    } catch (e) {
      pipeline.run(this); // the commands before a malformed one are answered first
      if (e instanceof QueryBufferOverflow) {
        this.flush();
        this.socket.destroy();
        return;
      }
      if (!(e instanceof ProtocolError)) throw e;
      out.error(`ERR Protocol error: ${e.message}`);
      this.closing = true;
    }
    pipeline.run(this);
    this.flush();
    if (this.closing) this.close();
  }

  /**
   * Closes the connection in both directions once the replies written so far are sent, as Redis
   * does after a protocol error or QUIT: ending only our side would leave the socket reading (and
   * the client able to send on for ever).
   */
  close(): void {
    const socket = this.socket;
    if (socket.destroyed) return;
    socket.end(() => socket.destroy());
  }

  /** Holds further commands until `late` settles, so replies stay in order. */
  private wait(late: Promise<LateReply>): void {
    this.waiting = true;
    this.flush();
    this.socket.pause();
    late.then(
      (write) => {
        this.out.resp = this.resp;
        write(this.out);
      },
      (e: unknown) => this.out.error(`ERR ${e instanceof Error ? e.message : String(e)}`),
    ).finally(() => {
      this.out.resp = this.resp;
      this.flush();
      this.waiting = false;
      if (this.socket.destroyed) return;
      if (!this.paused) this.socket.resume();
      this.run();
    });
  }

  /** Sends the replies written so far. Stops reading while the socket's buffer is full. */
  flush(): void {
    if (this.out.n === 0) return;
    const bytes = this.out.take();
    if (this.socket.destroyed) return;
    if (!this.socket.write(bytes) && !this.paused) {
      this.paused = true;
      this.socket.pause();
      this.socket.once('drain', () => {
        this.paused = false;
        if (!this.waiting) this.socket.resume();
      });
    }
  }
}
