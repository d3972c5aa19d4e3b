export default function NoConversation() {
  return (
    <div className="flex flex-1 items-center justify-center text-sm text-neutral-500 dark:text-neutral-400">
      Pick a conversation from the inbox.
    </div>
  );
}
