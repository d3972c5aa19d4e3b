export default function NoConversation() {
  return (
    <div className="hidden flex-1 items-center justify-center text-sm text-neutral-600 md:flex dark:text-neutral-400">
      Pick a conversation from the inbox.
    </div>
  );
}
