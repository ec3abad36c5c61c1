/** The existing worker's own activity (stands for whatever a user's worker already runs). */
export async function composeGreeting(name: string): Promise<string> {
  return `Hello, ${name}!`;
}
