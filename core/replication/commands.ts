// The shape of a command a replica pushes (pure): its id (random, unique per replica), the
// operation and its input as the replica's user gave them, who decided, and when. No amount,
// no computed state: the hub recomputes everything from the decision itself.
import { z } from 'zod';

export const CommandSchema = z.strictObject({
  id: z.string().regex(/^cmd_[A-Za-z0-9_-]{8,64}$/, 'a command id is cmd_ and 8 to 64 letters, digits, _ or -'),
  op: z.string().min(1).max(100),
  input: z.record(z.string(), z.unknown()),
  user: z.string().min(1).max(100),
  at: z.string().min(1).max(40),
});

export type Command = z.infer<typeof CommandSchema>;

/** Commands per push: a replica back from a week offline pushes its backlog in several. */
export const MAX_COMMANDS_PER_PUSH = 200;

/** The audit-chain anchor a replica sends with its pushes: its head hash and row count. */
export const AnchorSchema = z.strictObject({
  head: z.string().regex(/^[0-9a-f]{64}$/),
  rows: z.number().int().min(0),
}).passthrough();

export const PushSchema = z.strictObject({
  commands: z.array(CommandSchema).max(MAX_COMMANDS_PER_PUSH),
  anchor: AnchorSchema.optional(),
});
