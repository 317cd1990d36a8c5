package io.conversationconnector.canonical;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PhonesTest {
    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(nullValues = "null", value = {
            "+573001234567,+573001234567", "573001234567,+573001234567", "+57 300 123 4567,+573001234567",
            "+57 (300) 123-4567,+573001234567", "12345678910,+12345678910", "+525512345678,+525512345678",
            "971501234567,+971501234567", "+5511987654321,+5511987654321", "+447911123456,+447911123456",
            "+390612345678,+390612345678", // Italy keeps its leading zero
            "+999123,null", "+57,null", "+0123456789,null", "12,null", "abc,null", "+5730012345678901234,null",
            "1765698763,null", // a Telegram id is not a phone number
            "'',null"})
    void normalisesToE164(String raw, String expected) {
        assertThat(Phones.toE164(raw)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"+57,3001234567,+573001234567", "57,3001234567,+573001234567", "+1,2025550123,+12025550123"})
    void countryCodeAndNationalNumber(String cc, String national, String expected) {
        assertThat(Phones.toE164(cc, national)).isEqualTo(expected);
    }
}
