use tribune_core::moderation::*;
fn main() {
    for l in Classifier::builtin_training_set() {
        if l.abusive
            && phrases::scan(&l.text).is_empty()
            && WordLists::builtin().scan(&l.text).is_empty()
            && spam::signs(&l.text).is_empty()
        {
            println!("[{}] {}", l.category, l.text);
        }
    }
}
