// SaslHandshake and SaslAuthenticate: the connection's SaslSession (../sasl.ts) decides; a
// listener without SASL answers as Kafka's PLAINTEXT and SSL listeners do.
import { ErrorCode } from '../../protocol/error-codes.js';
import type { Handler } from './context.js';

export const handleSaslHandshake: Handler<'SaslHandshake'> = (body, ctx) => {
  // Kafka's KafkaApis answers this on a listener without SASL and keeps the connection.
  if (!ctx.sasl) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] };
  const answer = ctx.sasl.handshake(body.mechanism);
  if (answer.close) {
    ctx.broker.log.info(`SASL handshake from ${ctx.clientHost} refused: mechanism ${JSON.stringify(body.mechanism)} is not enabled (enabled: ${answer.mechanisms.join(', ')})`);
    ctx.closeAfterAnswer?.();
  }
  return { errorCode: answer.errorCode, mechanisms: answer.mechanisms };
};

export const handleSaslAuthenticate: Handler<'SaslAuthenticate'> = (body, ctx) => {
  if (!ctx.sasl) return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, errorMessage: 'SaslAuthenticate request received on a listener without SASL', authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n };
  const step = ctx.sasl.authenticate(body.authBytes);
  if (step.close) {
    ctx.broker.log.info(`SASL authentication from ${ctx.clientHost} failed: ${step.errorMessage}`);
    ctx.closeAfterAnswer?.();
  } else if (ctx.sasl.authenticated) {
    ctx.broker.log.debug(`SASL: ${ctx.clientHost} authenticated as ${ctx.sasl.principal}`);
  }
  return { errorCode: step.errorCode, errorMessage: step.errorMessage, authBytes: step.authBytes, sessionLifetimeMs: 0n };
};
