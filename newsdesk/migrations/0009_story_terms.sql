-- Related stories found through an index (pipeline/build.py `relate`): each story's top terms as of its last
-- relinking, so that a build finds the candidates of the stories it changed, and the stories that have those as
-- candidates, by looking terms up instead of computing every story's vector. A term's posting list is its newest
-- stories: a seek on (term, story_id DESC). The related index is filled by the next build (the stream's state of
-- an older store is replayed, which relates every story).
CREATE TABLE story_terms (
    term TEXT NOT NULL,
    story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    PRIMARY KEY (term, story_id)
) WITHOUT ROWID;
CREATE INDEX story_terms_story ON story_terms(story_id);
