-- Threads (stages/threads.py): the long-running story each story belongs to, named by the id of its oldest story.
-- NULL until the first build after this migration finds it. `thread_names` holds the story's names as threads read
-- them (JSON object name -> weight), written with its brief, so that finding threads reads no article text.
ALTER TABLE stories ADD COLUMN thread_id INTEGER;
ALTER TABLE stories ADD COLUMN thread_names TEXT;
-- A story page's other events of its thread, and the home page grouped by thread.
CREATE INDEX stories_thread ON stories(thread_id);
