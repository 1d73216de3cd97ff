ALTER TABLE Thread DROP message_count;
